package org.xai4j.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Called after a node's backward rule: sees {@code dy} (the gradient at the node's output) and
 * {@code dx} (what the rule computed for its inputs, null where not needed); returns a
 * replacement for {@code dx}, or null to keep it. Guided backpropagation and deconvnet are
 * hooks of this kind on the activation nodes; the model itself is never changed.
 */
@FunctionalInterface
public interface BackwardHook {
    INDArray[] onBackward(Node node, INDArray dy, INDArray[] dx);
}
