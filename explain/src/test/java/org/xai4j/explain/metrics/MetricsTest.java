package org.xai4j.explain.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.explain.GradientTimesInput;
import org.xai4j.explain.Saliency;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.Linear;

/**
 * Each metric on a case whose answer is known in closed form. Models are in double, so "equal"
 * means equal to double rounding (1e-12), except where a tolerance says why.
 */
class MetricsTest {
    private static final int C = 2, H = 12, W = 16, K = 3;
    private static final SplittableRandom RNG = new SplittableRandom(7);
    private static final INDArray WEIGHTS = uniform(K, C * H * W);
    private static final Graph LINEAR = new Graph(List.of(Graph.Input.of("input", -1, C, H, W)), List.of(
            Node.of("flat", new Flatten(1), "input"),
            Node.of("logits", new Linear(WEIGHTS, Nd4j.zeros(DataType.DOUBLE, K)), "flat")), List.of("logits"));
    private static final INDArray X = uniform(1, C, H, W);

    private static INDArray uniform(long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, RNG.nextDouble(-1, 1));
        }
        return a;
    }

    /** An object covering rows 3-6 and columns 5-10 of a 12 x 16 image. */
    private static final Box OBJECT = new Box(5, 3, 11, 7);

    @Test
    void aMapEqualToTheObjectMaskHitsAndHoldsAllTheEnergy() {
        Plane mask = PointingGame.mask(OBJECT, H, W);
        assertEquals(1.0, PointingGame.hit(mask, mask, 0));
        assertEquals(1.0, PointingGame.hit(mask, OBJECT, 15));
        assertEquals(1.0, PointingGame.energy(mask, OBJECT));
        assertEquals(OBJECT, Localization.box(mask, 0.2));
        assertEquals(1.0, OBJECT.iou(Localization.box(mask, 0.5)));
    }

    @Test
    void aConstantMapScoresTheChanceLevel() {
        Plane constant = new Plane(H, W, new double[H * W]);
        java.util.Arrays.fill(constant.v(), 0.5);
        // every pixel is a maximum: the expected hit is the share of pixels on the object (tolerance 0)
        assertEquals((double) OBJECT.area() / (H * W), PointingGame.hit(constant, OBJECT, 0), 1e-12);
        assertEquals((double) OBJECT.area() / (H * W), PointingGame.energy(constant, OBJECT), 1e-12);
        // within 2 pixels: the object grown by 2, corners rounded (distance <= 2): 10 x 8 minus 4 x 3 corner cells beyond sqrt(8)... counted here
        long near = 0;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double dx = Math.max(0, Math.max(OBJECT.x0() - x, x - (OBJECT.x1() - 1)));
                double dy = Math.max(0, Math.max(OBJECT.y0() - y, y - (OBJECT.y1() - 1)));
                near += Math.hypot(dx, dy) <= 2 ? 1 : 0;
            }
        }
        assertEquals((double) near / (H * W), PointingGame.hit(constant, OBJECT, 2), 1e-12);
    }

    @Test
    void pointingIsAMissFarFromTheObjectAndAHitWithinTheTolerance() {
        double[] v = new double[H * W];
        v[0] = 1; // (0, 0): 5 pixels left and 3 above the object, distance sqrt(34) = 5.83
        Plane corner = new Plane(H, W, v);
        assertEquals(0.0, PointingGame.hit(corner, OBJECT, 5));
        assertEquals(1.0, PointingGame.hit(corner, OBJECT, 6));
    }

    @Test
    void localizationKeepsTheLargestComponentAboveTheThreshold() {
        double[] v = new double[H * W];
        for (int y = 1; y < 4; y++) {          // a 3 x 3 blob at the top left, value 1 (the maximum)
            for (int x = 1; x < 4; x++) {
                v[y * W + x] = 1;
            }
        }
        for (int y = 6; y < 11; y++) {         // a 5 x 6 blob, value 0.5, diagonal neighbours joined
            for (int x = 8; x < 14; x++) {
                v[y * W + x] = 0.5;
            }
        }
        Plane map = new Plane(H, W, v);
        assertEquals(new Box(8, 6, 14, 11), Localization.box(map, 0.2));
        assertEquals(new Box(1, 1, 4, 4), Localization.box(map, 0.6));
        assertThrows(IllegalArgumentException.class, () -> Localization.box(map, 0));
        assertThrows(IllegalArgumentException.class, () -> Localization.box(new Plane(2, 2, new double[4]), 0.2));
    }

    @Test
    void boxesIntersectAndScaleAsDrawn() {
        assertEquals(1.0 / 7, new Box(0, 0, 2, 2).iou(new Box(1, 1, 3, 3)), 1e-15); // 1 / (4 + 4 - 1)
        assertEquals(0.0, new Box(0, 0, 2, 2).iou(new Box(2, 0, 4, 2)));
        assertEquals(new Box(0, 0, 100, 50), new Box(0, 0, 224, 224).scaled(224, 224, 100, 50));
        assertEquals(new Box(2, 1, 6, 4), new Box(5, 3, 11, 7).scaled(16, 12, 8, 6)); // 2.5 -> 2, 5.5 -> 6: covers every pixel touched
        assertEquals(0.5, Localization.corLoc(new double[] {0.5, 0.49, 0.9, 0.1}));
    }

    @Test
    void deletionInTheOrderOfExactAttributionsIsOptimalOnALinearModel() {
        int c = 1;
        // The logit is sum_p a_p + const with a_p = sum_c w[c, p] x[c, p]: deleting (zeroing) pixels with
        // the largest a_p first lowers the logit most at every step, so no order does better.
        double[] a = new double[H * W];
        for (int ch = 0; ch < C; ch++) {
            for (int p = 0; p < H * W; p++) {
                a[p] += WEIGHTS.getDouble(c, ch * H * W + p) * X.getDouble(0, ch, p / W, p % W);
            }
        }
        Plane exact = new Plane(H, W, a);
        DeletionInsertion metric = new DeletionInsertion(Substrate.ZEROS, 8, 7, 0);
        Scorer logit = Scorer.logit(LINEAR, c);
        DeletionInsertion.Curve best = metric.curve(DeletionInsertion.Mode.DELETION, X, exact, logit);
        // closed form of the curve: f(x) minus the sum of the a_p taken
        int[] order = DeletionInsertion.order(exact, 0);
        double f = logit.score(X)[0], taken = 0;
        for (int step = 0; step < best.scores().length; step++) {
            assertEquals(f - taken, best.scores()[step], 1e-10);
            for (int i = step * 8; i < Math.min(H * W, (step + 1) * 8); i++) {
                taken += a[order[i]];
            }
        }
        for (long seed = 1; seed <= 20; seed++) {
            Plane random = new Plane(H, W, new SplittableRandom(seed).doubles(H * W).toArray());
            DeletionInsertion.Curve other = metric.curve(DeletionInsertion.Mode.DELETION, X, random, logit);
            for (int step = 0; step < best.scores().length; step++) {
                assertTrue(best.scores()[step] <= other.scores()[step] + 1e-10, "step " + step + " seed " + seed);
            }
            assertTrue(best.auc() < other.auc());
        }
        // insertion in the same order rises fastest, and both curves end where they must
        DeletionInsertion.Curve insertion = metric.curve(DeletionInsertion.Mode.INSERTION, X, exact, logit);
        assertEquals(0.0, insertion.scores()[0], 1e-12);
        assertEquals(f, insertion.scores()[insertion.scores().length - 1], 1e-10);
        assertEquals(0.0, best.scores()[best.scores().length - 1], 1e-10);
        assertEquals(1.0, best.fractions()[best.fractions().length - 1]);
    }

    @Test
    void oneCopyPerPassGivesTheBatchedCurve() {
        Plane map = new Plane(H, W, new SplittableRandom(5).doubles(H * W).toArray());
        Scorer probability = Scorer.probability(LINEAR, 2);
        for (DeletionInsertion.Mode mode : DeletionInsertion.Mode.values()) {
            DeletionInsertion.Curve one = new DeletionInsertion(Substrate.BLUR, 10, 1, 0).curve(mode, X, map, probability);
            DeletionInsertion.Curve batched = new DeletionInsertion(Substrate.BLUR, 10, 7, 0).curve(mode, X, map, probability);
            // double precision, and each row's score does not depend on the rows beside it: equal to rounding
            assertArrayEquals(one.scores(), batched.scores(), 1e-12, mode.name());
            assertEquals(one.auc(), batched.auc(), 1e-12);
        }
    }

    @Test
    void copiesAreScoredInFullBatchesAndTheImageOnce() {
        // A scorer that records each pass's rows and scores a row by its first value.
        List<Integer> passes = new java.util.ArrayList<>();
        Scorer first = b -> {
            passes.add((int) b.size(0));
            double[] s = new double[(int) b.size(0)];
            for (int n = 0; n < s.length; n++) {
                s[n] = b.getDouble(n, 0, 0, 0);
            }
            return s;
        };
        try (Copies copies = new Copies(first, X, 4)) {
            double[] copy = new double[C * H * W];
            int[] rows = new int[9];
            for (int i = 0; i < 9; i++) {
                copy[0] = 100 + i;
                rows[i] = i == 3 || i == 7 ? copies.image() : copies.add(copy);
            }
            assertEquals(rows[3], rows[7], "the image is queued once");
            double[] scores = copies.scores();
            assertEquals(List.of(4, 4), passes, "8 distinct rows, 4 per pass");
            assertEquals(X.getDouble(0, 0, 0, 0), scores[rows[3]], 0);
            for (int i : new int[] {0, 1, 2, 4, 5, 6, 8}) {
                assertEquals(100 + i, scores[rows[i]], 0, "copy " + i);
            }
        }
    }

    @Test
    void aConstantMapDeletesInARandomOrderWhoseAreaIsTheChanceLevel() {
        // On a linear model with zeros as substrate, a random order's expected curve is the straight
        // line from f(x) to f(0) = 0: area f(x) / 2. The mean of 200 seeds lies within 4 standard errors.
        Scorer logit = Scorer.logit(LINEAR, 0);
        double f = logit.score(X)[0];
        Plane constant = new Plane(H, W, new double[H * W]);
        double sum = 0, sumSq = 0;
        int n = 200;
        for (int seed = 0; seed < n; seed++) {
            double auc = new DeletionInsertion(Substrate.ZEROS, 16, 13, seed).curve(DeletionInsertion.Mode.DELETION, X, constant, logit).auc();
            sum += auc;
            sumSq += auc * auc;
        }
        double mean = sum / n, se = Math.sqrt((sumSq / n - mean * mean) / n);
        assertEquals(f / 2, mean, 4 * se + 1e-9);
    }

    @Test
    void substratesAreWhatTheyClaim() {
        INDArray mean = Substrate.MEAN.of(X);
        assertEquals(X.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).meanNumber().doubleValue(),
                mean.getDouble(0, 1, 5, 7), 1e-12);
        INDArray flat = Nd4j.ones(DataType.DOUBLE, 1, 1, 9, 9).muli(3);
        assertEquals(3.0, Substrate.BLUR.of(flat).maxNumber().doubleValue(), 1e-12);
        assertEquals(3.0, Substrate.BLUR.of(flat).minNumber().doubleValue(), 1e-12);
        assertEquals(0.0, Substrate.ZEROS.of(X).maxNumber().doubleValue());
    }

    @Test
    void averageDropAndIncreaseFollowTheirDefinitions() {
        // A scorer that reads the image's mean: the explanation map of a map that is 1 everywhere but 0
        // on one half keeps half of a constant image.
        Scorer mean = b -> {
            double[] s = new double[(int) b.size(0)];
            for (int n = 0; n < s.length; n++) {
                s[n] = b.slice(n).meanNumber().doubleValue();
            }
            return s;
        };
        INDArray x = Nd4j.ones(DataType.DOUBLE, 1, 1, 4, 4);
        double[] half = new double[16];
        java.util.Arrays.fill(half, 8, 16, 1);
        ConfidenceChange.Scores s = ConfidenceChange.of(x, new Plane(4, 4, half), mean);
        assertEquals(1.0, s.original(), 1e-15);
        assertEquals(0.5, s.explanationMap(), 1e-15);
        assertEquals(0.5, s.drop(), 1e-15);
        ConfidenceChange.Scores up = new ConfidenceChange.Scores(0.4, 0.6);
        assertEquals(25.0, ConfidenceChange.averageDrop(s, up), 1e-12);
        assertEquals(50.0, ConfidenceChange.increaseInConfidence(s, up), 1e-12);
    }

    @Test
    void aMapIsItsOwnPerfectMatchAndItsNegativeIsNot() {
        Plane map = new Plane(H, W, new SplittableRandom(3).doubles(H * W, -1, 1).toArray());
        Plane negative = new Plane(H, W, java.util.Arrays.stream(map.v()).map(v -> -v).toArray());
        assertEquals(1.0, Similarity.spearman(map, map), 1e-12);
        assertEquals(-1.0, Similarity.spearman(map, negative), 1e-12);
        assertEquals(1.0, Similarity.spearmanAbs(map, negative), 1e-12);
        assertEquals(1.0, Similarity.ssim(map, map), 1e-12);
        assertEquals(1.0, Similarity.hog(map, map), 1e-12);
        assertTrue(Similarity.ssim(map, negative) < 0.5);
        Plane other = new Plane(H, W, new SplittableRandom(4).doubles(H * W, -1, 1).toArray());
        assertTrue(Math.abs(Similarity.spearman(map, other)) < 0.3);
        // ties take their average rank: [1, 2, 2, 3] -> [1, 2.5, 2.5, 4]
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Similarity.ranks(new double[] {1, 2, 2, 3}));
    }

    @Test
    void ssimOfAShiftedCopyFollowsTheFormulaOnAConstantPair() {
        // Two constant maps: min-max scaling makes both all zeros, SSIM = (c1 c2) / (c1 c2) = 1.
        Plane zeros = new Plane(11, 11, new double[121]);
        assertEquals(1.0, Similarity.ssim(zeros, zeros), 1e-12);
    }

    @Test
    void randomizationReplacesExactlyTheTopLayersAndLeavesTheModelAlone() {
        Graph cnn = new Graph(List.of(Graph.Input.of("input", -1, 1, 6, 6)), List.of(
                Node.of("conv1", new Conv2d(uniform(4, 1, 3, 3), uniform(4), ConvSpec.DEFAULT), "input"),
                Node.of("conv2", new Conv2d(uniform(4, 4, 3, 3), null, ConvSpec.DEFAULT), "conv1"),
                Node.of("flat", new Flatten(1), "conv2"),
                Node.of("logits", new Linear(uniform(3, 16), uniform(3)), "flat")), List.of("logits"));
        assertEquals(List.of("logits", "conv2", "conv1"), ModelRandomization.layersTopDown(cnn));
        Graph two = ModelRandomization.cascading(cnn, 2, 9);
        assertTrue(two.node("conv1").layer() == cnn.node("conv1").layer());
        assertNotEquals(((Linear) cnn.node("logits").layer()).weight(), ((Linear) two.node("logits").layer()).weight());
        assertNotEquals(((Conv2d) cnn.node("conv2").layer()).weight(), ((Conv2d) two.node("conv2").layer()).weight());
        assertEquals(((Conv2d) two.node("conv2").layer()).weight(), ((Conv2d) ModelRandomization.cascading(cnn, 2, 9).node("conv2").layer()).weight());
        Graph one = ModelRandomization.independent(cnn, "conv1", 9);
        assertTrue(one.node("logits").layer() == cnn.node("logits").layer());
        assertThrows(IllegalArgumentException.class, () -> ModelRandomization.independent(cnn, "flat", 9));
        assertThrows(IllegalArgumentException.class, () -> ModelRandomization.cascading(cnn, 4, 9));
    }

    @Test
    void maxSensitivityIsZeroForTheGradientOfALinearModelAndBoundedForGradientTimesInput() {
        MaxSensitivity metric = new MaxSensitivity(0.05, 5, 1);
        assertEquals(0.0, metric.of(new Saliency(), LINEAR, X), 1e-12);
        // w * (x + d) - w * x = w * d, |w * d| <= r |w|: the relative change is at most r |w| / |w * x|
        double bound = 0.05 * WEIGHTS.getRow(0).norm2Number().doubleValue(); // loose: any class row is below the max row
        double s = metric.of(new GradientTimesInput(), LINEAR, X);
        assertTrue(s > 0);
        double maxRow = 0;
        for (int k = 0; k < K; k++) {
            maxRow = Math.max(maxRow, WEIGHTS.getRow(k).norm2Number().doubleValue());
        }
        assertTrue(s <= 0.05 * maxRow / 1e-3, "sanity bound");
    }

    @Test
    void nonFiniteMapsAreRefused() {
        INDArray map = Nd4j.zeros(DataType.FLOAT, 3, 3);
        map.putScalar(4, Float.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Plane.of(map));
        assertTrue(e.getMessage().contains("y = 1, x = 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Plane.of(Nd4j.zeros(DataType.FLOAT, 2, 3, 3)));
    }
}
