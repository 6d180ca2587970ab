package org.xai4j.explain;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * LIME on superpixels (Ribeiro, Singh, Guestrin, "Why Should I Trust You?", KDD 2016), as
 * {@code lime_image} does it: random coalitions z of the M segments (each on with probability
 * 1/2; the first is the input itself), a segment off taking the fill, and a weighted ridge
 * regression of the score on z.
 * <pre>
 *   d(z)  = cosine distance between z and all-ones = 1 - sqrt(|z| / M)   (1 for the empty z)
 *   w(z)  = sqrt(exp(-d(z)^2 / width^2)),  width = 0.25                  (lime_image's kernel)
 *   beta  = argmin sum_z w(z) (score(z) - b - z . beta)^2 + alpha |beta|^2, alpha = 1 (Ridge's default)
 * </pre>
 * The map paints each segment's beta on its pixels. Shapes: {@code x [N, C, H, W]} ->
 * {@code map [N, H, W]}. Cost: {@code samples} + 1 forward passes, in batches.
 */
public final class Lime implements Explainer<SegmentAttribution> {
    public static final double KERNEL_WIDTH = 0.25;
    public static final double ALPHA = 1;

    private final Segmentation segmentation;
    private final int samples;
    private final Fill fill;
    private final double alpha;
    private final long seed;
    private final int batchSize;
    private final Progress progress;

    public Lime(Segmentation segmentation, int samples, Fill fill, double alpha, long seed, int batchSize, Progress progress) {
        if (samples < 2) {
            throw new IllegalArgumentException("--samples " + samples + ": LIME needs at least 2 coalitions to fit");
        }
        Parameter.SAMPLES.check(samples);
        if (!(alpha >= 0) || Double.isInfinite(alpha) || batchSize < 1) {
            throw new IllegalArgumentException("LIME needs a finite ridge alpha >= 0 and batchSize >= 1; got " + alpha + ", " + batchSize);
        }
        this.segmentation = segmentation;
        this.samples = samples;
        this.fill = fill;
        this.alpha = alpha;
        this.seed = seed;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    @Override
    public SegmentAttribution explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "LIME");
        return Coalitions.explain(graph, x, target, segmentation, fill, batchSize, progress, (segments, score) -> {
            int M = segments.count();
            SplittableRandom rng = new SplittableRandom(seed);
            boolean[][] z = new boolean[samples][M];
            for (int i = 0; i < samples; i++) {
                for (int j = 0; j < M; j++) {
                    z[i][j] = i == 0 || rng.nextBoolean();
                }
            }
            double[] y = score.apply(z);
            double[][] X = new double[samples][M];
            double[] w = new double[samples];
            for (int i = 0; i < samples; i++) {
                int on = 0;
                for (int j = 0; j < M; j++) {
                    X[i][j] = z[i][j] ? 1 : 0;
                    on += z[i][j] ? 1 : 0;
                }
                double d = 1 - Math.sqrt((double) on / M);
                w[i] = Math.sqrt(Math.exp(-d * d / (KERNEL_WIDTH * KERNEL_WIDTH)));
            }
            WeightedRidge.Fit fit = WeightedRidge.fit(X, y, w, alpha, true);
            return new Coalitions.Values(fit.beta(), fit.intercept());
        });
    }
}
