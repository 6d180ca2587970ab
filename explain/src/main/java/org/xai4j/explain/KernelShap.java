package org.xai4j.explain;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * KernelSHAP on superpixels (Lundberg and Lee, "A Unified Approach to Interpreting Model
 * Predictions", NeurIPS 2017, theorem 2): Shapley values of the M segments as the weighted least
 * squares fit of the score on coalitions z, with the Shapley kernel
 * <pre>
 *   pi(z) = (M - 1) / (C(M, |z|) |z| (M - |z|))       0 < |z| < M
 *   phi   = argmin sum_z pi(z) (score(z) - phi_0 - z . phi)^2
 *           subject to phi_0 = score(no segment), sum_j phi_j = score(x) - phi_0
 * </pre>
 * The constraints (the kernel's infinite weights at the empty and the full coalition) are kept
 * exactly by eliminating phi_M, as the {@code shap} package does. With {@code samples >= 2^M} every
 * coalition is evaluated once and the fit gives the exact Shapley values; below that, coalition
 * sizes are drawn with probability proportional to their total kernel weight, (M - 1) / (s (M - s)),
 * each with its complement (paired sampling), all of weight 1, fitted with a negligible ridge
 * ({@link #SAMPLED_RIDGE}) so that fewer coalitions than segments still give an answer. A
 * segment off takes the fill.
 * Shapes: {@code x [N, C, H, W]} -> {@code map [N, H, W]}. Cost: min(samples, 2^M) + 1 forward passes.
 */
public final class KernelShap implements Explainer<SegmentAttribution> {
    /**
     * The ridge of a sampled fit, relative to the mean diagonal of X'X: it keeps the system
     * solvable when fewer coalitions than segments were drawn (then the answer is close to the
     * smallest-norm fit) and moves a well-posed fit by about 1e-10 of its values.
     */
    static final double SAMPLED_RIDGE = 1e-10;

    private final Segmentation segmentation;
    private final int samples;
    private final Fill fill;
    private final long seed;
    private final int batchSize;
    private final Progress progress;

    public KernelShap(Segmentation segmentation, int samples, Fill fill, long seed, int batchSize, Progress progress) {
        if (samples < 3) {
            throw new IllegalArgumentException("--samples " + samples + ": KernelSHAP needs at least 3 coalitions "
                    + "(none, all, and one to fit)");
        }
        Parameter.SAMPLES.check(samples);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.segmentation = segmentation;
        this.samples = samples;
        this.fill = fill;
        this.seed = seed;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    @Override
    public SegmentAttribution explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "KernelSHAP");
        return Coalitions.explain(graph, x, target, segmentation, fill, batchSize, progress, (segments, score) -> {
            int M = segments.count();
            boolean all = M < 31 && samples >= (1L << M);
            boolean[][] z = all ? enumerate(M) : sample(M, samples, new SplittableRandom(seed));
            double[] y = score.apply(z);
            if (z.length < samples) {
                progress.advance(samples - z.length);   // the rows estimated but not needed: the count ends where it said
            }
            return fit(z, y, all);
        });
    }

    /** Every coalition: none first, all second, then the rest in binary order. */
    static boolean[][] enumerate(int M) {
        int n = 1 << M;
        boolean[][] z = new boolean[n][M];
        for (int j = 0; j < M; j++) {
            z[1][j] = true;
        }
        int i = 2;
        for (int bits = 1; bits < n - 1; bits++) {
            for (int j = 0; j < M; j++) {
                z[i][j] = (bits >> j & 1) == 1;
            }
            i++;
        }
        return z;
    }

    /** None, all, then pairs of a coalition drawn by the kernel and its complement. */
    static boolean[][] sample(int M, int samples, SplittableRandom rng) {
        boolean[][] z = new boolean[samples][M];
        java.util.Arrays.fill(z[1], true);
        double[] sizeWeight = new double[M];
        double total = 0;
        for (int s = 1; s < M; s++) {
            sizeWeight[s] = (M - 1.0) / (s * (double) (M - s));
            total += sizeWeight[s];
        }
        int[] order = new int[M];
        for (int i = 2; i < samples; i += 2) {
            double u = rng.nextDouble() * total;
            int size = 1;
            while (size < M - 1 && u >= sizeWeight[size]) {
                u -= sizeWeight[size++];
            }
            for (int j = 0; j < M; j++) {
                order[j] = j;
            }
            for (int j = 0; j < size; j++) {        // the first `size` of a partial Fisher-Yates shuffle
                int k = j + rng.nextInt(M - j);
                int t = order[j];
                order[j] = order[k];
                order[k] = t;
                z[i][order[j]] = true;
            }
            if (i + 1 < samples) {
                for (int j = 0; j < M; j++) {
                    z[i + 1][j] = !z[i][j];
                }
            }
        }
        return z;
    }

    /** The constrained fit: z[0] is no segment, z[1] every segment; {@code exact}: weigh by the kernel, else weight 1. */
    static Coalitions.Values fit(boolean[][] z, double[] y, boolean exact) {
        int M = z[0].length;
        double base = y[0];
        double delta = y[1] - base;
        if (M == 1) {
            return new Coalitions.Values(new double[] {delta}, base);
        }
        int n = z.length - 2;
        double[][] X = new double[n][M - 1];
        double[] t = new double[n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            boolean[] zi = z[i + 2];
            int on = 0;
            for (boolean b : zi) {
                on += b ? 1 : 0;
            }
            double last = zi[M - 1] ? 1 : 0;
            for (int j = 0; j < M - 1; j++) {
                X[i][j] = (zi[j] ? 1 : 0) - last;
            }
            // score - phi_0 - z_M delta = sum_{j<M} (z_j - z_M) phi_j, once phi_M = delta - sum_{j<M} phi_j.
            t[i] = y[i + 2] - base - last * delta;
            w[i] = on == 0 || on == M ? 0 : exact ? kernel(M, on) : 1;
        }
        double[] phi = WeightedRidge.fit(X, t, w, exact ? 0 : SAMPLED_RIDGE * meanSquare(X), false).beta();
        double[] out = java.util.Arrays.copyOf(phi, M);
        double rest = delta;
        for (double p : phi) {
            rest -= p;
        }
        out[M - 1] = rest;
        return new Coalitions.Values(out, base);
    }

    private static double meanSquare(double[][] X) {
        double s = 0;
        for (double[] row : X) {
            for (double v : row) {
                s += v * v;
            }
        }
        return s / Math.max(1, X.length == 0 ? 1 : X[0].length);
    }

    /** (M - 1) / (C(M, s) s (M - s)), C(M, s) in double (exact for the M where all coalitions are enumerated). */
    static double kernel(int M, int s) {
        double binomial = 1;
        for (int k = 1; k <= s; k++) {
            binomial = binomial * (M - s + k) / k;
        }
        return (M - 1) / (binomial * s * (M - s));
    }
}
