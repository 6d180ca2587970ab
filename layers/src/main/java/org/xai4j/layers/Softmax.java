package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Softmax implements Layer<Object> {
    private final int axis;

    public Softmax(int axis) { this.axis = axis; }
    public int axis() { return axis; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Softmax.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Softmax.backward not written yet");
    }
}
