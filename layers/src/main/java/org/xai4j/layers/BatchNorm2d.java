package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** STUB: constructor and accessors fixed; forward/backward to be written. */
public final class BatchNorm2d implements Layer<Object> {
    private final INDArray gamma, beta, mean, var;
    private final double eps;

    /** Inference batch norm over channel axis 1: y = gamma * (x - mean) / sqrt(var + eps) + beta; all [C]. */
    public BatchNorm2d(INDArray gamma, INDArray beta, INDArray mean, INDArray var, double eps) {
        this.gamma = gamma; this.beta = beta; this.mean = mean; this.var = var; this.eps = eps;
    }

    public INDArray gamma() { return gamma; }
    public INDArray beta() { return beta; }
    public INDArray mean() { return mean; }
    public INDArray var() { return var; }
    public double eps() { return eps; }

    @Override
    public Forward<Object> forward(INDArray... x) {
        throw new UnsupportedOperationException("BatchNorm2d.forward not written yet");
    }

    @Override
    public Backward backward(Object cache, INDArray dy, Need need) {
        throw new UnsupportedOperationException("BatchNorm2d.backward not written yet");
    }
}
