package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Linear;
import org.xai4j.layers.PoolSpec;

/**
 * Augmented Grad-CAM: its operators against their definitions, its degenerate case, and a
 * synthetic case where the true high-resolution map is known. The synthetic network averages
 * its one-channel 64 x 64 input over 8 x 8 blocks ("features"), then global pooling and a linear
 * layer of weight 1: the Grad-CAM of class 0 at "features" is exactly {@code D(x) / 64}, the
 * paper's model g_l = D A_l h with h = x / 64, so the input itself is the true map.
 */
class AugmentedGradCamTest {
    private static final int SIZE = 64;
    private static final int CELL = 8;

    static Graph blockAverage() {
        return new Graph(List.of(Graph.Input.of("input", -1, 1, SIZE, SIZE)), List.of(
                Node.of("features", new AvgPool2d(PoolSpec.of(CELL).withStride(CELL), true), "input"),
                Node.of("gap", new GlobalAvgPool(), "features"),
                Node.of("flat", new Flatten(1), "gap"),
                Node.of("logits", new Linear(Nd4j.create(new double[][] {{1}, {-1}}), Nd4j.zeros(DataType.DOUBLE, 2)), "flat")),
                List.of("logits"));
    }

    /** A disc and a rectangle of different heights on a zero background: edges that no 8 x 8 grid resolves. */
    static double[] trueMap() {
        double[] m = new double[SIZE * SIZE];
        for (int i = 0; i < SIZE; i++) {
            for (int j = 0; j < SIZE; j++) {
                boolean disc = (i - 24.3) * (i - 24.3) + (j - 22.7) * (j - 22.7) <= 11.5 * 11.5;
                boolean box = i >= 37 && i < 51 && j >= 33 && j < 54;
                m[i * SIZE + j] = disc ? 1 : box ? 0.6 : 0;
            }
        }
        return m;
    }

    /** D A_l built as a sparse matrix equals the warp then the area average, written out (integer and fractional cells). */
    @Test
    void theOperatorIsTheAreaAverageOfTheWarp() {
        SplittableRandom rng = new SplittableRandom(4);
        for (int[] size : new int[][] {{20, 15, 4, 3}, {20, 15, 6, 4}}) {
            int H = size[0];
            int W = size[1];
            int h = size[2];
            int w = size[3];
            double[] u = new double[H * W];
            for (int p = 0; p < u.length; p++) {
                u[p] = rng.nextDouble();
            }
            Augmentation a = new Augmentation(0.3, 1.7, -2.2);
            double[] warped = a.apply(u, H, W);
            double[] expected = new double[h * w];
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    // Cell (r, c) covers [r H/h, (r+1) H/h) x [c W/w, (c+1) W/w); the mean over that area.
                    double sum = 0;
                    for (int i = 0; i < H; i++) {
                        double oy = Math.max(0, Math.min(i + 1, (r + 1) * (double) H / h) - Math.max(i, r * (double) H / h));
                        for (int j = 0; j < W; j++) {
                            double ox = Math.max(0, Math.min(j + 1, (c + 1) * (double) W / w) - Math.max(j, c * (double) W / w));
                            sum += oy * ox * warped[i * W + j];
                        }
                    }
                    expected[r * w + c] = sum / ((double) H / h * W / w);
                }
            }
            double[] got = SuperResolution.operator(a, h, w, H, W).times(u);
            for (int p = 0; p < expected.length; p++) {
                assertEquals(expected[p], got[p], 1e-12, "cell " + p + " of " + java.util.Arrays.toString(size));
            }
        }
    }

    /** One augmentation (the identity), no regularisation: the solution reproduces the Grad-CAM exactly at its grid. */
    @Test
    void oneMapWithoutRegularisationIsFittedExactly() {
        Graph graph = blockAverage();
        INDArray x = Nd4j.create(trueMap(), new long[] {1, 1, SIZE, SIZE}, 'c');
        CamResult plain = GradCam.of("features").explain(graph, x, Target.of(0));
        CamResult fit = new AugmentedGradCam("features", 1, 0, 0, 300, 0, 0, 8, Progress.NONE).explain(graph, x, Target.of(0));
        double[] down = SuperResolution.operator(Augmentation.IDENTITY, 8, 8, SIZE, SIZE).times(Flat.read(fit.map()));
        Close.assertClose("D h = g", plain.raw().reshape(64), Nd4j.create(down), 1e-9, 0);
        Close.assertClose("raw is the plain Grad-CAM", plain.raw(), fit.raw(), 0, 0);
    }

    /**
     * The synthetic case of the class comment. Relative L2 errors against the true map, of the
     * plain Grad-CAM upsampled (bilinear, as every CAM map) and of Augmented Grad-CAM with the
     * defaults; the paper's claim is that the second is the smaller.
     */
    @Test
    void onASyntheticCaseTheSuperResolvedMapIsCloserToTheTruthThanUpsampling() {
        Graph graph = blockAverage();
        double[] truth = trueMap();
        INDArray x = Nd4j.create(truth, new long[] {1, 1, SIZE, SIZE}, 'c');
        double lambda = Double.parseDouble(System.getProperty("xai4j.lambda", Double.toString(AugmentedGradCam.LAMBDA)));
        double mu = Double.parseDouble(System.getProperty("xai4j.mu", Double.toString(AugmentedGradCam.MU)));
        int iterations = Integer.getInteger("xai4j.iterations", AugmentedGradCam.ITERATIONS);
        double[] plain = Flat.read(GradCam.of("features").explain(graph, x, Target.of(0)).map());
        double[] augmented = Flat.read(new AugmentedGradCam("features", AugmentedGradCam.AUGMENTATIONS, lambda, mu, iterations, 0,
                0, 16, Progress.NONE).explain(graph, x, Target.of(0)).map());
        double plainError = relativeError(plain, truth, 64);
        double augmentedError = relativeError(augmented, truth, 64);
        System.out.printf("synthetic 64x64 from 8x8 Grad-CAMs: relative L2 error, upsampled Grad-CAM %.4f, Augmented Grad-CAM %.4f "
                + "(lambda %g, mu %g, %d iterations)%n", plainError, augmentedError, lambda, mu, iterations);
        assertTrue(augmentedError < 0.7 * plainError, augmentedError + " vs " + plainError);
    }

    /** ||scale * map - truth|| / ||truth||. */
    static double relativeError(double[] map, double[] truth, double scale) {
        double e = 0;
        double t = 0;
        for (int p = 0; p < truth.length; p++) {
            e += (scale * map[p] - truth[p]) * (scale * map[p] - truth[p]);
            t += truth[p] * truth[p];
        }
        return Math.sqrt(e / t);
    }
}
