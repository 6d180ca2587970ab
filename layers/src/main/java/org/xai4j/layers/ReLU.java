package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class ReLU implements Layer<Object> {
    public ReLU() {}

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("ReLU.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("ReLU.backward not written yet");
    }
}
