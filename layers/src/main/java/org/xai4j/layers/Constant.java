package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Constant implements Layer<Object> {
    private final INDArray value;

    /** A node with no inputs whose output is value. */
    public Constant(INDArray value) { this.value = value; }
    public INDArray value() { return value; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Constant.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Constant.backward not written yet");
    }
}
