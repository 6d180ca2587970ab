package org.xai4j.layers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Batch normalization in training mode: each channel (axis 1) normalised by the mean and
 * variance of the batch itself, then scaled and shifted.
 *
 * <pre>
 * mu = (1/M) sum x        sigma^2 = (1/M) sum (x - mu)^2        (sums over n, h, w; M = N H W)
 * xhat = (x - mu) / sqrt(sigma^2 + eps)        y = gamma xhat + beta
 * </pre>
 * x, y [N,C,H,W] (or [N,C], any rank with channels on axis 1); gamma, beta [C]. Backward, through
 * mu and sigma^2 as functions of the whole batch (Ioffe and Szegedy, ICML 2015, sec. 3):
 * <pre>
 * dbeta = sum dy        dgamma = sum dy xhat
 * dx    = gamma / sqrt(sigma^2 + eps) (dy - (dbeta + xhat dgamma) / M)
 * </pre>
 * The last line gathers the paper's three terms (through xhat, mu and sigma^2): with
 * {@code dxhat = gamma dy}, {@code dsigma^2 = -1/2 sum dxhat (x - mu) (sigma^2 + eps)^-3/2} and
 * {@code dmu = -sum dxhat / sqrt(sigma^2 + eps)} (the term of dsigma^2 through mu vanishes, since
 * {@code sum (x - mu) = 0}).
 *
 * <p>The layer holds gamma and beta only. The running statistics that inference uses belong to
 * the trainer, which reads the batch statistics from this layer's cache; the batch variance there
 * is the biased one (divided by M) that the normalisation used. {@link BatchNorm2d} is the
 * inference mode, and a training rewrites one into the other.
 *
 * <p>Plain loops, one channel plane at a time, sums in double: ND4J's reductions over axes
 * (0, 2, 3) and its broadcasts along axis 1 took 15-18 ms forward and 60-77 ms backward on a
 * [64,16,32,32] batch, most of a small ResNet's training step, where these loops read each array
 * once or twice (about 2 ms a pass).
 */
public final class BatchNormTraining implements Layer<BatchNormTraining.Cache> {
    private final INDArray gamma, beta;
    private final double eps;

    /** The input (dense), the batch mean and biased variance per channel, and M, the values per channel. */
    public record Cache(INDArray x, double[] mean, double[] var, long count) {}

    /** gamma, beta [C]; eps > 0 keeps a channel that is constant over the batch finite. */
    public BatchNormTraining(INDArray gamma, INDArray beta, double eps) {
        if (beta.length() != gamma.length()) {
            throw new IllegalArgumentException("BatchNormTraining: gamma has " + gamma.length() + " entries, beta " + beta.length());
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("BatchNormTraining epsilon is " + eps + "; accepted: a finite number > 0");
        }
        this.gamma = gamma;
        this.beta = beta;
        this.eps = eps;
    }

    public INDArray gamma() { return gamma; }
    public INDArray beta() { return beta; }
    public double eps() { return eps; }

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = PoolGeometry.dense(in[0]);
        Geometry s = geometry(x.shape());
        double[] mean = new double[s.C], var = new double[s.C];
        PoolGeometry.Values xv = PoolGeometry.Values.of(x);
        for (int n = 0; n < s.N; n++) {
            for (int c = 0; c < s.C; c++) {
                double sum = 0;
                for (int i = 0, o = (n * s.C + c) * s.P; i < s.P; i++) {
                    sum += xv.get(o + i);
                }
                mean[c] += sum;
            }
        }
        for (int c = 0; c < s.C; c++) {
            mean[c] /= s.M;
        }
        // Two passes: the sum of squared deviations, not E[x^2] - mu^2, which cancels badly when |mu| >> sigma.
        for (int n = 0; n < s.N; n++) {
            for (int c = 0; c < s.C; c++) {
                double sum = 0;
                for (int i = 0, o = (n * s.C + c) * s.P; i < s.P; i++) {
                    double d = xv.get(o + i) - mean[c];
                    sum += d * d;
                }
                var[c] += sum;
            }
        }
        double[] g = gamma.reshape(s.C).toDoubleVector(), b = beta.reshape(s.C).toDoubleVector();
        double[] a = new double[s.C], shift = new double[s.C];
        for (int c = 0; c < s.C; c++) {
            var[c] /= s.M;
            a[c] = g[c] / Math.sqrt(var[c] + eps);
            shift[c] = b[c] - a[c] * mean[c];
        }
        INDArray y = Memory.uninitialized(x.dataType(), x.shape());
        PoolGeometry.Values yv = PoolGeometry.Values.of(y);
        for (int n = 0; n < s.N; n++) {
            for (int c = 0; c < s.C; c++) {
                for (int i = 0, o = (n * s.C + c) * s.P; i < s.P; i++) {
                    yv.set(o + i, a[c] * xv.get(o + i) + shift[c]);
                }
            }
        }
        return Forward.of(y, new Cache(x, mean, var, s.M));
    }

    @Override
    public long[] outputShape(long[]... x) {
        geometry(x[0]);
        return x[0];
    }

    @Override
    public Backward backward(Cache cache, INDArray dyIn, Need need) {
        INDArray x = cache.x();
        INDArray dy = PoolGeometry.dense(dyIn);
        Geometry s = geometry(x.shape());
        PoolGeometry.Values xv = PoolGeometry.Values.of(x), dyv = PoolGeometry.Values.of(dy);
        double[] invStd = new double[s.C];
        for (int c = 0; c < s.C; c++) {
            invStd[c] = 1 / Math.sqrt(cache.var()[c] + eps);
        }
        double[] dbeta = new double[s.C], dgamma = new double[s.C];
        for (int n = 0; n < s.N; n++) {
            for (int c = 0; c < s.C; c++) {
                double sumDy = 0, sumDyXc = 0, mu = cache.mean()[c];
                for (int i = 0, o = (n * s.C + c) * s.P; i < s.P; i++) {
                    double d = dyv.get(o + i);
                    sumDy += d;
                    sumDyXc += d * (xv.get(o + i) - mu);
                }
                dbeta[c] += sumDy;
                dgamma[c] += sumDyXc;
            }
        }
        for (int c = 0; c < s.C; c++) {
            dgamma[c] *= invStd[c];
        }
        INDArray dx = null;
        if (need.input(0)) {
            double[] g = gamma.reshape(s.C).toDoubleVector();
            dx = Memory.uninitialized(dy.dataType(), x.shape());
            PoolGeometry.Values dxv = PoolGeometry.Values.of(dx);
            for (int n = 0; n < s.N; n++) {
                for (int c = 0; c < s.C; c++) {
                    double k = g[c] * invStd[c], mu = cache.mean()[c];
                    double perX = invStd[c] * dgamma[c] / s.M, constant = dbeta[c] / s.M;
                    for (int i = 0, o = (n * s.C + c) * s.P; i < s.P; i++) {
                        dxv.set(o + i, k * (dyv.get(o + i) - constant - (xv.get(o + i) - mu) * perX));
                    }
                }
            }
        }
        if (!need.parameters()) {
            return Backward.of(dx);
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("gamma", like(dgamma, gamma));
        grads.put("beta", like(dbeta, beta));
        return Backward.of(new INDArray[] {dx}, grads);
    }

    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("gamma", gamma);
        p.put("beta", beta);
        return p;
    }

    @Override
    public String describe() {
        return "BatchNormTraining " + gamma.length() + " eps " + eps;
    }

    /** N, C, the plane P (values per example and channel) and M = N P. */
    private record Geometry(int N, int C, int P, long M) {}

    private Geometry geometry(long[] x) {
        if (x.length < 2 || x[1] != gamma.length()) {
            throw new IllegalArgumentException("BatchNormTraining expects x [N, " + gamma.length() + ", ...], got " + Arrays.toString(x));
        }
        long length = 1;
        for (long d : x) {
            length *= d;
        }
        if (length >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("BatchNormTraining indexes with int: x " + Arrays.toString(x) + " is too large");
        }
        long M = length / x[1];
        if (M < 2) {
            throw new IllegalArgumentException("BatchNormTraining needs at least 2 values per channel to estimate a variance,"
                    + " got x " + Arrays.toString(x));
        }
        return new Geometry((int) x[0], (int) x[1], (int) (M / x[0]), M);
    }

    /** Per-channel values in the shape and type of parameter {@code p}. */
    static INDArray like(double[] v, INDArray p) {
        return org.nd4j.linalg.factory.Nd4j.createFromArray(v).castTo(p.dataType()).reshape(p.shape());
    }
}
