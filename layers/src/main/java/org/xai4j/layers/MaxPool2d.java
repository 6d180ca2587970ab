package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class MaxPool2d implements Layer<Object> {
    private final PoolSpec spec;

    public MaxPool2d(PoolSpec spec) { this.spec = spec; }
    public PoolSpec spec() { return spec; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("MaxPool2d.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("MaxPool2d.backward not written yet");
    }
}
