package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Clip implements Layer<Object> {
    private final double min, max;

    /** y = min(max(x, min), max); ReLU6 is Clip(0, 6). Use +-infinity for a missing bound. */
    public Clip(double min, double max) { this.min = min; this.max = max; }

    public static Clip relu6() { return new Clip(0, 6); }
    public double min() { return min; }
    public double max() { return max; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Clip.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Clip.backward not written yet");
    }
}
