package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class LeakyReLU implements Layer<Object> {
    private final double alpha;

    public LeakyReLU(double alpha) { this.alpha = alpha; }
    public double alpha() { return alpha; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("LeakyReLU.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("LeakyReLU.backward not written yet");
    }
}
