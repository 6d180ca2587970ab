package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Reshape implements Layer<Object> {
    private final long[] shape;

    /** ONNX semantics: 0 copies the input dimension, -1 is inferred. */
    public Reshape(long[] shape) { this.shape = shape.clone(); }
    public long[] shape() { return shape.clone(); }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Reshape.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Reshape.backward not written yet");
    }
}
