package org.xai4j.layers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Batch normalization at inference: a fixed affine map per channel (axis 1).
 *
 * <pre>y[n,c,h,w] = gamma[c] (x[n,c,h,w] - mean[c]) / sqrt(var[c] + eps) + beta[c]</pre>
 * x, y [N,C,H,W] (or [N,C] / any rank with channels on axis 1); gamma, beta, mean, var [C].
 * Backward, with {@code a = gamma / sqrt(var + eps)} and sums over n,h,w:
 * {@code dx = a dy}, {@code dgamma = sum dy (x-mean) / sqrt(var+eps)}, {@code dbeta = sum dy},
 * {@code dmean = -a sum dy}, {@code dvar = -a / (2 (var+eps)) sum dy (x-mean)}.
 * Ioffe and Szegedy 2015.
 */
public final class BatchNorm2d implements Layer<BatchNorm2d.Cache> {
    private final INDArray gamma, beta, mean, var;
    private final double eps;

    /** The input, alive anyway as the previous activation; only parameter gradients read it. */
    public record Cache(INDArray x) {}

    /** Inference batch norm over channel axis 1: y = gamma * (x - mean) / sqrt(var + eps) + beta; all [C]. */
    public BatchNorm2d(INDArray gamma, INDArray beta, INDArray mean, INDArray var, double eps) {
        long C = gamma.length();
        if (beta.length() != C || mean.length() != C || var.length() != C) {
            throw new IllegalArgumentException("BatchNorm2d: gamma, beta, mean, var must all have C entries, got "
                    + Arrays.toString(new long[] {C, beta.length(), mean.length(), var.length()}));
        }
        checkStatistics(var, eps);
        this.gamma = gamma; this.beta = beta; this.mean = mean; this.var = var; this.eps = eps;
    }

    /**
     * A variance is a mean of squares and epsilon a guard against dividing by zero: a negative one
     * makes {@code sqrt(var + eps)} NaN for that channel, and a zero sum makes it divide by zero.
     * Either came from a corrupt file, never from training.
     */
    private static void checkStatistics(INDArray var, double eps) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("BatchNorm2d epsilon is " + eps + "; accepted: a finite number >= 0");
        }
        double[] v = var.isEmpty() ? new double[0] : var.reshape(var.length()).toDoubleVector();
        for (int c = 0; c < v.length; c++) {
            if (!(v[c] >= 0) || Double.isInfinite(v[c])) {
                throw new IllegalArgumentException("BatchNorm2d variance of channel " + c + " is " + v[c]
                        + "; accepted: finite numbers >= 0");
            }
            if (v[c] + eps <= 0) {
                throw new IllegalArgumentException("BatchNorm2d variance of channel " + c + " and epsilon are both 0,"
                        + " a division by zero; accepted: variance + epsilon > 0");
            }
        }
    }

    public INDArray gamma() { return gamma; }
    public INDArray beta() { return beta; }
    public INDArray mean() { return mean; }
    public INDArray var() { return var; }
    public double eps() { return eps; }

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = in[0];
        if (x.rank() < 2 || x.size(1) != gamma.length()) {
            throw new IllegalArgumentException("BatchNorm2d expects x [N, " + gamma.length() + ", ...], got " + Arrays.toString(x.shape()));
        }
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        // ND4J's fused kernel; iArgs: apply gamma, apply beta, channel axis.
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, vector(mean, x), vector(var, x), vector(gamma, x), vector(beta, x))
                .addOutputs(y).addFloatingPointArguments(eps).addIntegerArguments(1, 1, 1).build());
        return Forward.of(y, new Cache(x));
    }

    @Override
    public long[] outputShape(long[]... x) {
        if (x[0].length < 2 || x[0][1] != gamma.length()) {
            throw new IllegalArgumentException("BatchNorm2d expects x [N, " + gamma.length() + ", ...], got " + Arrays.toString(x[0]));
        }
        return x[0];
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        INDArray invStd = Transforms.pow(vector(var, x).add(eps), -0.5, false);
        INDArray a = vector(gamma, x).mul(invStd);
        INDArray dx = null;
        if (need.input(0)) {
            dx = Nd4j.createUninitialized(dy.dataType(), dy.shape());
            Nd4j.getExecutioner().exec(new BroadcastMulOp(dy, a, dx, 1));
        }
        if (!need.parameters()) {
            return Backward.of(dx);
        }
        int[] others = new int[x.rank() - 1];
        for (int i = 0; i < others.length; i++) {
            others[i] = i == 0 ? 0 : i + 1;
        }
        INDArray sumDy = dy.sum(others);
        // sum dy (x - mean) = sum dy x - mean sum dy: no centred copy of x is needed.
        INDArray sumDyXc = dy.mul(x).sum(others).subi(vector(mean, x).mul(sumDy));
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("gamma", ConvKernels.as(sumDyXc.mul(invStd), gamma.dataType()));
        grads.put("beta", ConvKernels.as(sumDy, beta.dataType()));
        grads.put("mean", ConvKernels.as(sumDy.mul(a).negi(), mean.dataType()));
        grads.put("var", ConvKernels.as(sumDyXc.mul(a).muli(invStd).muli(invStd).muli(-0.5), var.dataType()));
        return Backward.of(new INDArray[] {dx}, grads);
    }

    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("gamma", gamma);
        p.put("beta", beta);
        p.put("mean", mean);
        p.put("var", var);
        return p;
    }

    @Override
    public String describe() {
        return "BatchNorm2d " + gamma.length() + " eps " + eps;
    }

    /** A [C] parameter as a rank-1 array in x's precision. */
    private static INDArray vector(INDArray p, INDArray x) {
        return ConvKernels.as(p.reshape(p.length()), x.dataType());
    }
}
