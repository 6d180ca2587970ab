package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Add implements Layer<Object> {
    /** Sum of two or more inputs with NumPy broadcasting. */
    public Add() {}

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Add.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Add.backward not written yet");
    }
}
