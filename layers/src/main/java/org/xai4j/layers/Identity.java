package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class Identity implements Layer<Object> {
    /** y = x (also Dropout at inference). */
    public Identity() {}

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("Identity.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("Identity.backward not written yet");
    }
}
