package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Conv2d implements Layer<Object> {
    private final INDArray weight;
    private final INDArray bias;
    private final ConvSpec spec;

    /** weight [K, C/groups, R, S] (OIHW), bias [K] or null. */
    public Conv2d(INDArray weight, INDArray bias, ConvSpec spec) {
        this.weight = weight;
        this.bias = bias;
        this.spec = spec;
    }

    public INDArray weight() { return weight; }
    public INDArray bias() { return bias; }
    public ConvSpec spec() { return spec; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Conv2d.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Conv2d.backward not written yet");
    }
}
