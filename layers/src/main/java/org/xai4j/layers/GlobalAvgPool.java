package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class GlobalAvgPool implements Layer<Object> {
    /** [N, C, H, W] -> [N, C, 1, 1] (ONNX GlobalAveragePool keeps the spatial axes). */
    public GlobalAvgPool() {}

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("GlobalAvgPool.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("GlobalAvgPool.backward not written yet");
    }
}
