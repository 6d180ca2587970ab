package org.xai4j.layers;

import org.xai4j.engine.Layer;

/**
 * A layer that computes exactly what its reference layer computes, a faster way for the inputs
 * where it can (another kernel, another layout) and by the reference itself elsewhere. It holds
 * the reference's weights, not copies, so code that reads geometry or weights (batch-norm
 * folding, the compiled plans, the CAM head, {@code xai4j layers}) reads {@link #reference()}
 * and sees the model, not the kernel choice. {@link Specialization} substitutes them.
 */
public interface Specialized<L extends Layer<?>> {

    /** The reference layer this one replaces, whose weights it uses. */
    L reference();
}
