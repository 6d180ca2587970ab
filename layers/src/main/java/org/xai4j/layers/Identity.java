package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * The identity: {@code y = x}, {@code dx = dy}; any shape. Also Dropout at inference. Returns
 * its input and its output gradient themselves; the engine counts shared buffers.
 */
public final class Identity implements Layer<Void> {

    /** y = x (also Dropout at inference). */
    public Identity() {}

    @Override
    public Forward<Void> forward(INDArray... x) {
        return Forward.of(x[0], null);
    }

    @Override
    public long[] outputShape(long[]... x) {
        return x[0];
    }

    @Override
    public Backward backward(Void cache, INDArray dy, Need need) {
        return Backward.of(need.input(0) ? dy : null);
    }
}
