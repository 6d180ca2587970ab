package org.xai4j.explain;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Flat;

/**
 * Post-processing of raw attributions for display: channel aggregation, percentile clamping,
 * Gaussian smoothing, min-max scaling. Explainers return raw maps; these are applied afterwards
 * and never change a result in place.
 */
public final class Maps {
    private Maps() {}

    /** How an attribution {@code [N, C, H, W]} becomes one map per row {@code [N, H, W]}. */
    public enum Aggregation {
        /** {@code max_c |a_c|}, Simonyan et al.'s saliency map. */
        ABS_MAX,
        /** {@code sum_c |a_c|}. */
        SUM_ABS,
        /** {@code |sum_c a_c|}. */
        ABS_SUM,
        /** {@code sum_c a_c}, signed (positive and negative evidence cancel across channels). */
        SUM
    }

    public static INDArray aggregate(INDArray attribution, Aggregation how) {
        NdArrays.require4d(attribution, "an attribution", "channel aggregation");
        return switch (how) {
            case ABS_MAX -> Transforms.abs(attribution, true).max(1);
            case SUM_ABS -> Transforms.abs(attribution, true).sum(1);
            case ABS_SUM -> Transforms.abs(attribution.sum(1), false);
            case SUM -> attribution.sum(1);
        };
    }

    /**
     * Each row clamped to its own {@code [low, high]} percentiles (0..100, numpy's linear
     * interpolation), so that a few extreme values do not wash out the picture.
     */
    public static INDArray clampToPercentiles(INDArray maps, double low, double high) {
        if (!(0 <= low && low <= high && high <= 100)) {
            throw new IllegalArgumentException("percentiles must satisfy 0 <= low <= high <= 100, got " + low + ", " + high);
        }
        int n = (int) maps.size(0);
        int per = (int) (maps.length() / n);
        double[] v = Flat.read(maps);
        for (int b = 0; b < n; b++) {
            double[] sorted = Arrays.copyOfRange(v, b * per, (b + 1) * per);
            Arrays.sort(sorted);
            double lo = percentile(sorted, low);
            double hi = percentile(sorted, high);
            for (int i = b * per; i < (b + 1) * per; i++) {
                v[i] = Math.min(Math.max(v[i], lo), hi);
            }
        }
        return NdArrays.create(v, maps.shape(), maps.dataType());
    }

    /** The {@code p}-th percentile (0..100) of sorted values, interpolating linearly as numpy does. */
    public static double percentile(double[] sorted, double p) {
        double pos = p / 100 * (sorted.length - 1);
        int i = (int) Math.floor(pos);
        int j = Math.min(i + 1, sorted.length - 1);
        return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
    }

    /**
     * Gaussian smoothing of every {@code H x W} plane (the last two axes) with standard deviation
     * {@code sigma} pixels: separable, the kernel truncated at 4 sigma and normalised to sum 1
     * (as scipy's gaussian_filter), edges repeating the border pixel.
     */
    public static INDArray gaussianSmooth(INDArray maps, double sigma) {
        if (!(sigma >= 0) || maps.rank() < 2) {
            throw new IllegalArgumentException("Gaussian smoothing needs sigma >= 0 and maps [..., H, W]; got sigma " + sigma
                    + ", shape " + Arrays.toString(maps.shape()));
        }
        int H = (int) maps.size(maps.rank() - 2);
        int W = (int) maps.size(maps.rank() - 1);
        double[] kernel = gaussianKernel(sigma);
        double[] v = Flat.read(maps);
        double[] tmp = new double[H * W];
        for (int off = 0; off < v.length; off += H * W) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    tmp[i * W + j] = convolve(v, off + i * W, 1, W, j, kernel);
                }
            }
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    v[off + i * W + j] = convolve(tmp, j, W, H, i, kernel);
                }
            }
        }
        return NdArrays.create(v, maps.shape(), maps.dataType());
    }

    /** sum_t k[t] * x[start + clamp(at + t - r) * stride] along one line of {@code length}. */
    private static double convolve(double[] x, int start, int stride, int length, int at, double[] k) {
        int r = k.length / 2;
        double sum = 0;
        for (int t = 0; t < k.length; t++) {
            int p = Math.min(Math.max(at + t - r, 0), length - 1);
            sum += k[t] * x[start + p * stride];
        }
        return sum;
    }

    static double[] gaussianKernel(double sigma) {
        int r = (int) (4 * sigma + 0.5);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int t = -r; t <= r; t++) {
            k[t + r] = sigma == 0 ? 1 : Math.exp(-0.5 * t * t / (sigma * sigma));
            sum += k[t + r];
        }
        for (int t = 0; t < k.length; t++) {
            k[t] /= sum;
        }
        return k;
    }

    /** Each row scaled to [0, 1] by its own minimum and maximum; a constant row becomes 0. */
    public static INDArray normalizeMinMax(INDArray maps) {
        return clampAndScale(maps, 0, 100);
    }

    /** Each row clamped to its {@code [low, high]} percentiles, then scaled to [0, 1]. */
    public static INDArray clampAndScale(INDArray maps, double low, double high) {
        int n = (int) maps.size(0);
        int per = (int) (maps.length() / n);
        double[] v = Flat.read(clampToPercentiles(maps, low, high));
        for (int b = 0; b < n; b++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = b * per; i < (b + 1) * per; i++) {
                lo = Math.min(lo, v[i]);
                hi = Math.max(hi, v[i]);
            }
            for (int i = b * per; i < (b + 1) * per; i++) {
                v[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0;
            }
        }
        return NdArrays.create(v, maps.shape(), maps.dataType());
    }
}
