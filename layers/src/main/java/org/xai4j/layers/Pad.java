package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Pad implements Layer<Object> {
    private final long[] pads;
    private final double value;

    /** Constant pad; pads in ONNX order: [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
    public Pad(long[] pads, double value) { this.pads = pads.clone(); this.value = value; }
    public long[] pads() { return pads.clone(); }
    public double value() { return value; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Pad.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Pad.backward not written yet");
    }
}
