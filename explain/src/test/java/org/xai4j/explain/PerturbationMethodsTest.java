package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.Linear;

/**
 * Occlusion, RISE, LIME and KernelSHAP on models whose answers are known: a model linear in its
 * pixels (the drop of a square is the sum of w x over it; LIME's fit recovers the segment sums),
 * and exact Shapley values from the definition on a nonlinear network with 8 segments. Everything
 * runs in double, so the tolerances only allow for rounding in sums of a few hundred terms.
 */
class PerturbationMethodsTest {
    private static final int H = 12;
    private static final int W = 12;
    private static final Graph CNN = TestNets.cnn(3, DataType.DOUBLE);
    private static final INDArray X = TestNets.input(51, DataType.DOUBLE, 1, 3, H, W);

    /** f(x) = sum_p w_p x_p + b over [1, 3, 12, 12], one logit (and a second, zero one). */
    private static Graph linear(double[] w) {
        double[] two = new double[2 * w.length];
        System.arraycopy(w, 0, two, 0, w.length);
        INDArray weight = NdArrays.create(two, new long[] {2, w.length}, DataType.DOUBLE);
        INDArray bias = NdArrays.create(new double[] {0.5, 0}, new long[] {2}, DataType.DOUBLE);
        return new Graph(List.of(Graph.Input.of("input", -1, 3, H, W)), List.of(
                Node.of("flat", new Flatten(1), "input"),
                Node.of("logits", new Linear(weight, bias), "flat")), List.of("logits"));
    }

    private static double[] weights(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] w = new double[3 * H * W];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextDouble() * 2 - 1;
        }
        return w;
    }

    @Test
    void occlusionOfALinearModelIsTheSumOfWxOverEachSquare() {
        double[] w = weights(1);
        double[] x = Flat.read(X);
        Occlusion.Result r = new Occlusion(5, 3, Fill.value(0), 4, Progress.NONE).explain(linear(w), X, Target.of(0));
        int n = (H - 5) / 3 + 1;
        assertArrayEquals(new long[] {1, n, n}, r.grid().shape());
        double[] grid = Flat.read(r.grid());
        double[][] expected = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int c = 0; c < 3; c++) {
                    for (int u = i * 3; u < i * 3 + 5; u++) {
                        for (int v = j * 3; v < j * 3 + 5; v++) {
                            int p = c * H * W + u * W + v;
                            expected[i][j] += w[p] * x[p];
                        }
                    }
                }
                assertEquals(expected[i][j], grid[i * n + j], 1e-12, "square " + i + "," + j);
            }
        }
        // Pixel (4, 4) lies in squares rows 0..1 and columns 0..1: the map is their mean. Pixel
        // (11, 11) lies in none (the squares end at 3*2+5 = 11): 0.
        double[] map = Flat.read(r.map());
        double mean = (expected[0][0] + expected[0][1] + expected[1][0] + expected[1][1]) / 4;
        assertEquals(mean, map[4 * W + 4], 1e-12);
        assertEquals(0, map[11 * W + 11]);
        assertEquals(expected[0][0], map[0], 1e-12);
    }

    @Test
    void occlusionFillsWithTheValueTheMeanOrTheBlur() {
        double[] w = weights(2);
        Graph g = linear(w);
        double[] x = Flat.read(X);
        for (Fill fill : List.of(Fill.value(0.7), Fill.mean(), Fill.blur(1.5))) {
            double[] f = Flat.read(fill.replacementFor(X));
            Occlusion.Result r = new Occlusion(H, 1, fill, 1, Progress.NONE).explain(g, X, Target.of(0));
            double expected = 0;
            for (int p = 0; p < x.length; p++) {
                expected += w[p] * (x[p] - f[p]);
            }
            assertEquals(expected, r.grid().getDouble(0, 0, 0), 1e-12, fill.name());
        }
        double[] means = Flat.read(Fill.mean().replacementFor(X));
        assertEquals(X.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(2))
                .meanNumber().doubleValue(), means[2 * H * W + 17], 1e-12);
    }

    @Test
    void occlusionBatchesGiveTheSameGridAsOneSquareAtATime() {
        Occlusion.Result one = new Occlusion(4, 2, Fill.value(0), 1, Progress.NONE).explain(CNN, X, Target.of(2));
        Occlusion.Result many = new Occlusion(4, 2, Fill.value(0), 7, Progress.NONE).explain(CNN, X, Target.of(2));
        assertArrayEquals(Flat.read(one.grid()), Flat.read(many.grid()), 1e-12);
    }

    @Test
    void riseIsSeededAndPeaksWhereTheEvidenceIs() {
        // The score reads only the top-left 4 x 4 block of channel 0, with positive weights.
        double[] w = new double[3 * H * W];
        for (int u = 0; u < 4; u++) {
            for (int v = 0; v < 4; v++) {
                w[u * W + v] = 1;
            }
        }
        INDArray ones = NdArrays.create(new double[3 * H * W], new long[] {1, 3, H, W}, DataType.DOUBLE).addi(1);
        Rise rise = new Rise(500, 3, 0.5, Fill.value(0), 7, 16, Progress.NONE);
        INDArray a = rise.explain(linear(w), ones, Target.of(0)).map();
        INDArray b = rise.explain(linear(w), ones, Target.of(0)).map();
        assertArrayEquals(Flat.read(a), Flat.read(b));
        double[] m = Flat.read(a);
        double inside = 0;
        double outside = 0;
        for (int u = 0; u < H; u++) {
            for (int v = 0; v < W; v++) {
                if (u < 4 && v < 4) {
                    inside += m[u * W + v] / 16;
                } else if (u >= 8 || v >= 8) {
                    outside = Math.max(outside, m[u * W + v]);
                }
            }
        }
        assertTrue(inside > outside + 1, "mean inside " + inside + ", largest far outside " + outside);
        INDArray other = new Rise(500, 3, 0.5, Fill.value(0), 8, 16, Progress.NONE).explain(linear(w), ones, Target.of(0)).map();
        assertTrue(Flat.read(other)[0] != m[0], "another seed, other masks");
    }

    @Test
    void riseMasksAreSmoothAndKeepAboutP() {
        Rise rise = Rise.of(1, 4, 0.3);
        SplittableRandom rng = new SplittableRandom(0);
        double sum = 0;
        int n = 2000;
        double[] m = new double[30 * 30];
        for (int i = 0; i < n; i++) {
            rise.mask(rng, 30, 30, m);
            for (double v : m) {
                assertTrue(v >= 0 && v <= 1);
                sum += v;
            }
        }
        assertEquals(0.3, sum / n / m.length, 0.01, "E[M] = p, which the map's 1/(N p) assumes");
    }

    @Test
    void kernelShapWithEveryCoalitionGivesTheExactShapleyValues() {
        Segmentation eight = blocks(2, 4);
        int M = 8;
        INDArray x = X.mul(2);
        SegmentAttribution r = new KernelShap(eight, 256, Fill.value(0), 0, 32, Progress.NONE).explain(CNN, x, Target.of(1));
        double[] phi = r.values().get(0);
        Segments s = eight.of(x);
        // phi_j = sum over S without j of |S|! (M - |S| - 1)! / M! (f(S + j) - f(S)), from the definition.
        double[] f = new double[1 << M];
        Head head = Head.of(CNN);
        INDArray fill = Fill.value(0).replacementFor(x);
        for (int bits = 0; bits < 1 << M; bits++) {
            boolean[] z = new boolean[M];
            for (int j = 0; j < M; j++) {
                z[j] = (bits >> j & 1) == 1;
            }
            double[] m = new double[H * W];
            s.mask(z, m);
            double[] copy = new double[3 * H * W];
            PerturbedScores.mix(Flat.read(x), Flat.read(fill), m, copy, 0, 3, H * W);
            f[bits] = PerturbedScores.scoreOf(CNN, head, NdArrays.create(copy, x.shape(), DataType.DOUBLE), Target.of(1));
        }
        double[] factorial = {1, 1, 2, 6, 24, 120, 720, 5040, 40320};
        double spread = 0;
        for (int j = 0; j < M; j++) {
            double exact = 0;
            for (int bits = 0; bits < 1 << M; bits++) {
                if ((bits >> j & 1) == 0) {
                    int size = Integer.bitCount(bits);
                    exact += factorial[size] * factorial[M - size - 1] / factorial[M] * (f[bits | 1 << j] - f[bits]);
                }
            }
            assertEquals(exact, phi[j], 1e-6, "segment " + j);
            spread = Math.max(spread, Math.abs(exact));
        }
        assertTrue(spread > 1e-3, "the values are not all zero: " + spread);
        assertEquals(f[0], r.intercepts()[0], 1e-12, "phi_0 is the score with every segment hidden");
        assertEquals(f[(1 << M) - 1] - f[0], java.util.Arrays.stream(phi).sum(), 1e-9, "efficiency");
    }

    @Test
    void kernelShapSampledKeepsEfficiencyAndComesCloseOnALinearModel() {
        double[] w = weights(4);
        Segmentation s = blocks(3, 4);
        SegmentAttribution r = new KernelShap(s, 600, Fill.value(0), 3, 64, Progress.NONE).explain(linear(w), X, Target.of(0));
        double[] truth = segmentSums(w, Flat.read(X), s.of(X));
        // A linear model's Shapley values are the segment sums; the sampled fit of a linear
        // function is exact too, whatever coalitions it saw, once it has M independent ones.
        assertArrayEquals(truth, r.values().get(0), 1e-9);
    }

    @Test
    void limeRecoversTheWeightsOfAModelLinearInItsSegments() {
        double[] w = weights(5);
        Segmentation s = blocks(3, 3);
        double[] truth = segmentSums(w, Flat.read(X), s.of(X));
        // No ridge penalty: the weighted least-squares fit of an exactly linear function is exact.
        SegmentAttribution exact = new Lime(s, 200, Fill.value(0), 0, 1, 50, Progress.NONE).explain(linear(w), X, Target.of(0));
        assertArrayEquals(truth, exact.values().get(0), 1e-9);
        // LIME's own alpha = 1 shrinks each weight by about alpha / (sum of w(z) var(z_j)) = 1 / (1000 * 0.5 * 0.25): under 1%
        // of the largest weight; 3% of it bounds that with room for the sample's spread.
        SegmentAttribution ridge = new Lime(s, 1000, Fill.value(0), Lime.ALPHA, 1, 100, Progress.NONE).explain(linear(w), X, Target.of(0));
        double largest = java.util.Arrays.stream(truth).map(Math::abs).max().orElse(0);
        for (int j = 0; j < truth.length; j++) {
            assertEquals(truth[j], ridge.values().get(0)[j], 0.03 * largest, "segment " + j);
        }
        // The map paints each segment's value on its pixels.
        Segments seg = s.of(X);
        assertEquals(ridge.values().get(0)[seg.index()[5 * W + 7]], ridge.map().getDouble(0, 5, 7), 0);
    }

    @Test
    void progressCountsEveryRowOnce() {
        List<Long> seen = new ArrayList<>();
        Progress p = seen::add;
        new KernelShap(blocks(2, 2), 40, Fill.value(0), 0, 8, p).explain(CNN, X, Target.of(0));
        assertEquals(41, seen.stream().mapToLong(Long::longValue).sum(), "16 coalitions run, 24 not needed, and the clean pass");
    }

    @Test
    void hostileSettingsAreOneLineErrors() {
        assertMessage("--patch 0", () -> new Occlusion(0, 1, Fill.value(0), 1, Progress.NONE));
        assertMessage("--stride 13: larger than the input's 12 x 12",
                () -> new Occlusion(2, 13, Fill.value(0), 1, Progress.NONE).explain(CNN, X, Target.of(0)));
        assertMessage("--patch 20: larger than the input's 12 x 12",
                () -> new Occlusion(20, 1, Fill.value(0), 1, Progress.NONE).explain(CNN, X, Target.of(0)));
        assertMessage("--keep 1.0", () -> Rise.of(10, 3, 1));
        assertMessage("--keep 0.0", () -> Rise.of(10, 3, 0));
        assertMessage("--keep NaN", () -> Rise.of(10, 3, Double.NaN));
        assertMessage("--masks 100001: at most 100000", () -> Rise.of(100_001, 3, 0.5));
        assertMessage("--grid 0", () -> Rise.of(10, 0, 0.5));
        assertMessage("--grid 13: more cells than the input's 12 x 12", () -> Rise.of(10, 13, 0.5).explain(CNN, X, Target.of(0)));
        assertMessage("--fill nope: accepted:", () -> Fill.parse("nope"));
        assertMessage("--fill inf: accepted:", () -> Fill.parse("inf"));
        assertMessage("label -1 is negative", () -> Segmentation.given(new long[] {0, -1, 2, 3}, 2, 2, "seg.npy"));
        assertMessage("seg.npy: the segments are 2 x 2 but the input is [1, 3, 12, 12]",
                () -> Segmentation.given(new long[] {0, 1, 2, 3}, 2, 2, "seg.npy").of(X));
        long[] many = new long[100 * 100];
        for (int i = 0; i < many.length; i++) {
            many[i] = i;
        }
        assertMessage("more than " + Segmentation.MAX_SEGMENTS + " distinct labels", () -> Segmentation.given(many, 100, 100, "seg.npy"));
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable e) {
        String m = assertThrows(IllegalArgumentException.class, e).getMessage();
        assertTrue(m.contains(start) && !m.contains("\n"), m);
    }

    /** rows x cols rectangular blocks over the 12 x 12 input. */
    static Segmentation blocks(int rows, int cols) {
        long[] labels = new long[H * W];
        for (int u = 0; u < H; u++) {
            for (int v = 0; v < W; v++) {
                labels[u * W + v] = 10L * (u * rows / H) + v * cols / W;     // ids need not be 0..M-1
            }
        }
        return Segmentation.given(labels, H, W, "blocks");
    }

    /** sum over each segment's pixels (all channels) of w x: a linear model's value of that segment with fill 0. */
    private static double[] segmentSums(double[] w, double[] x, Segments s) {
        double[] sums = new double[s.count()];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < H * W; p++) {
                sums[s.index()[p]] += w[c * H * W + p] * x[c * H * W + p];
            }
        }
        return sums;
    }
}
