package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class AvgPool2d implements Layer<Object> {
    private final PoolSpec spec;
    private final boolean countIncludePad;

    /** countIncludePad: divide by R*S everywhere (true) or by the number of real pixels (false). */
    public AvgPool2d(PoolSpec spec, boolean countIncludePad) { this.spec = spec; this.countIncludePad = countIncludePad; }
    public PoolSpec spec() { return spec; }
    public boolean countIncludePad() { return countIncludePad; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("AvgPool2d.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("AvgPool2d.backward not written yet");
    }
}
