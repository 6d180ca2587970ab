package org.xai4j.explain.metrics;

import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Deletion and insertion (Petsiuk et al., "RISE", BMVC 2018, section 4.1): pixels are taken in
 * the order of the map, most important first, {@code pixelsPerStep} at a time. Deletion replaces
 * them in the image with the {@link Substrate} and watches the class score fall (lower area under
 * the curve is better); insertion starts from the substrate, puts them back and watches the score
 * rise (higher is better). The curve's x axis is the fraction of pixels taken, so the area is in
 * score units whatever the image size; the area is the trapezoid rule over the steps. Ties in the
 * map are taken in a seeded random order, so a constant map gives the chance curve of a random
 * order. The perturbed copies are scored {@code batchSize} at a time ({@code batchSize} 1: one
 * copy per forward pass; the curve is the same either way, to the model's float rounding).
 */
public record DeletionInsertion(Substrate substrate, int pixelsPerStep, int batchSize, long seed) {

    public enum Mode { DELETION, INSERTION }

    /** The scores after 0, 1, ..., n steps, at the fractions of pixels taken. */
    public record Curve(Mode mode, double[] fractions, double[] scores, double auc) {}

    public DeletionInsertion {
        if (pixelsPerStep < 1) {
            throw new IllegalArgumentException("--pixels-per-step must be at least 1, got " + pixelsPerStep);
        }
        if (batchSize < 1 || batchSize > 1024) {
            throw new IllegalArgumentException("--batch-size must be 1 to 1024, got " + batchSize);
        }
    }

    /** RISE's setting at 224 x 224: 224 pixels a step, 224 steps. */
    public static DeletionInsertion of(Substrate substrate, int pixelsPerStep) {
        return new DeletionInsertion(substrate, pixelsPerStep, 32, 0);
    }

    /** x [1, C, H, W] in the model's input space, map [H, W] at the same resolution. */
    public Curve curve(Mode mode, INDArray x, Plane map, Scorer scorer) {
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException("deletion and insertion take one image [1, C, H, W], got " + Arrays.toString(x.shape()));
        }
        map.requireSize((int) x.size(2), (int) x.size(3), "the input image");
        try (Copies copies = new Copies(scorer, x, Math.min(batchSize, steps(map) + 1))) {
            return queue(mode, x, map, copies).curve(copies.scores());
        }
    }

    /** The rows of a curve's copies in a {@link Copies} queue, step 0 to n, and the fraction of pixels each has taken. */
    record Steps(Mode mode, double[] fractions, int[] rows) {
        Curve curve(double[] scored) {
            double[] scores = new double[rows.length];
            for (int step = 0; step < rows.length; step++) {
                scores[step] = scored[rows[step]];
            }
            return new Curve(mode, fractions, scores, trapezoid(fractions, scores));
        }
    }

    /**
     * Queues the curve's copies, step by step, for scoring with whatever else shares {@code copies};
     * the step that is x itself (deletion's first, insertion's last) is x's own row.
     */
    Steps queue(Mode mode, INDArray x, Plane map, Copies copies) {
        map.requireSize((int) x.size(2), (int) x.size(3), "the input image");
        int C = (int) x.size(1), HW = map.H() * map.W();
        int[] order = order(map, seed);
        int steps = steps(map);
        double[] fractions = new double[steps + 1];
        int[] rows = new int[steps + 1];
        INDArray from = mode == Mode.DELETION ? x : substrate.of(x);
        INDArray to = mode == Mode.DELETION ? substrate.of(x) : x;
        double[] current = from.reshape(C * HW).castTo(DataType.DOUBLE).toDoubleVector();
        double[] target = to.reshape(C * HW).castTo(DataType.DOUBLE).toDoubleVector();
        for (int step = 0; step <= steps; step++) {
            int taken = Math.min(HW, step * pixelsPerStep);
            int before = Math.min(HW, Math.max(0, (step - 1) * pixelsPerStep));
            for (int i = step == 0 ? taken : before; i < taken; i++) {
                int p = order[i];
                for (int c = 0; c < C; c++) {
                    current[c * HW + p] = target[c * HW + p];
                }
            }
            boolean isX = mode == Mode.DELETION ? taken == 0 : taken == HW;
            rows[step] = isX ? copies.image() : copies.add(current);
            fractions[step] = (double) taken / HW;
        }
        return new Steps(mode, fractions, rows);
    }

    private int steps(Plane map) {
        return (map.H() * map.W() + pixelsPerStep - 1) / pixelsPerStep;
    }

    /** Pixel indices from the largest map value down; ties in a random order drawn from {@code seed}. */
    static int[] order(Plane map, long seed) {
        int HW = map.v().length;
        Integer[] idx = new Integer[HW];
        double[] tieBreak = new double[HW];
        Random random = new Random(seed);
        for (int i = 0; i < HW; i++) {
            idx[i] = i;
            tieBreak[i] = random.nextDouble();
        }
        Arrays.sort(idx, (a, b) -> {
            int byValue = Double.compare(map.v()[b], map.v()[a]);
            return byValue != 0 ? byValue : Double.compare(tieBreak[a], tieBreak[b]);
        });
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    static double trapezoid(double[] x, double[] y) {
        double area = 0;
        for (int i = 1; i < x.length; i++) {
            area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        }
        return area;
    }
}
