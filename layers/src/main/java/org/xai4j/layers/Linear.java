package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Linear implements Layer<Object> {
    private final INDArray weight;
    private final INDArray bias;

    /** y = x W^T + b; weight [K, C], bias [K] or null; x [N, C]. */
    public Linear(INDArray weight, INDArray bias) { this.weight = weight; this.bias = bias; }
    public INDArray weight() { return weight; }
    public INDArray bias() { return bias; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Linear.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Linear.backward not written yet");
    }
}
