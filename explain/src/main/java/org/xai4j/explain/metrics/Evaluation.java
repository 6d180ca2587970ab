package org.xai4j.explain.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.explain.ActivationGradient;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Maps;
import org.xai4j.explain.Method;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Target;

/**
 * Every metric of this package on one method's map of one image, measured the same way for every
 * method: the map at the model's input resolution (input-shaped attributions aggregated as the
 * method displays them), its localization box, and the metrics the caller asks for by name:
 * <pre>
 *   pointing   PointingGame.hit within {@code tolerance} pixels at the input resolution (1 hit, 0 miss)
 *   energy     PointingGame.energy inside the object's boxes
 *   deletion   DeletionInsertion area, deletion (lower is better), probability of the class
 *   insertion  DeletionInsertion area, insertion (higher is better)
 *   iou        the localization box (Localization, {@code threshold}) against the best truth box,
 *              both in the original image's pixels
 *   drop       ConfidenceChange drop in percent (the set's mean is the average drop)
 *   increase   ConfidenceChange increase, 100 or 0 (the set's mean is the increase in confidence)
 *   seconds    the method's time on this image
 * </pre>
 * The set-level CorLoc is the share of images with {@code iou >= 0.5}.
 */
public final class Evaluation {
    private Evaluation() {}

    public static final List<String> METRICS = List.of("pointing", "energy", "deletion", "insertion", "iou", "drop", "increase", "seconds");

    /**
     * What is known of one image: the class to explain, its boxes in the original image's pixels
     * (may be empty: then the localization metrics are skipped), that image's size, and the
     * object's mask at the input resolution when a generator knows it (else null: boxes stand in).
     */
    public record Truth(int c, List<Box> boxes, int width, int height, Plane mask) {}

    /**
     * {@code tolerance}: the pointing game's, in pixels at the input resolution; {@code batchSize}:
     * the perturbed copies (deletion, insertion, the explanation map) per forward pass.
     */
    public record Settings(double threshold, int tolerance, Substrate deletion, Substrate insertion, int pixelsPerStep,
                           int batchSize, Set<String> metrics) {
        public Settings {
            for (String m : metrics) {
                if (!METRICS.contains(m)) {
                    throw new IllegalArgumentException("unknown metric '" + m + "'; known: " + String.join(", ", METRICS));
                }
            }
        }

        /** Zhou et al.'s 0.2, Zhang et al.'s 15 pixels, RISE's substrates (black for deletion, blurred for insertion). */
        public static Settings defaults(int pixelsPerStep) {
            return new Settings(Localization.DEFAULT_THRESHOLD, PointingGame.DEFAULT_TOLERANCE, Substrate.ZEROS, Substrate.BLUR,
                    pixelsPerStep, 32, Set.copyOf(METRICS));
        }
    }

    /** The map, its box at the input resolution (null when the map has no positive value) and the values by metric name. */
    public record Result(Plane map, Box box, Map<String, Double> values, Explanation explanation) {}

    /** x [1, C, H, W] in the model's input space. */
    public static Result of(Graph graph, INDArray x, Truth truth, Method method, Parameters parameters, Settings s) {
        int H = (int) x.size(2), W = (int) x.size(3);
        long start = System.nanoTime();
        Explanation e = method.explainer(parameters).explain(graph, x, Target.of(truth.c()));
        double seconds = (System.nanoTime() - start) / 1e9;
        INDArray m = method.output() != Method.Output.INPUT ? e.map() : Maps.aggregate(e.map(), method.display());
        Plane map = Plane.of(m.slice(0));
        Box box = map.max() > 0 ? Localization.box(map, s.threshold()) : null;
        Map<String, Double> v = new LinkedHashMap<>();
        boolean located = !truth.boxes().isEmpty() || truth.mask() != null;
        if (located && s.metrics().contains("pointing")) {
            v.put("pointing", PointingGame.hit(map, objectMask(truth, H, W), s.tolerance()));
        }
        if (located && s.metrics().contains("energy")) {
            v.put("energy", PointingGame.energy(map, objectMask(truth, H, W)));
        }
        Perturbed p = perturbed(graph, x, map, truth.c(), s);
        if (p.deletion() != null) {
            v.put("deletion", p.deletion().auc());
        }
        if (p.insertion() != null) {
            v.put("insertion", p.insertion().auc());
        }
        if (!truth.boxes().isEmpty() && s.metrics().contains("iou")) {
            double best = 0;
            if (box != null) {
                Box original = box.scaled(W, H, truth.width(), truth.height());
                for (Box b : truth.boxes()) {
                    best = Math.max(best, original.iou(b));
                }
            }
            v.put("iou", best);
        }
        if (p.confidence() != null) {
            ConfidenceChange.Scores c = p.confidence();
            if (s.metrics().contains("drop")) {
                v.put("drop", 100 * c.drop());
            }
            if (s.metrics().contains("increase")) {
                v.put("increase", c.increase() ? 100.0 : 0.0);
            }
        }
        if (s.metrics().contains("seconds")) {
            v.put("seconds", seconds);
        }
        return new Result(map, box, v, e);
    }

    /** The curves and the confidence scores that were asked for (else null). */
    private record Perturbed(DeletionInsertion.Curve deletion, DeletionInsertion.Curve insertion, ConfidenceChange.Scores confidence) {}

    /**
     * Deletion, insertion and the explanation map from one queue of copies: they share forward
     * passes (one row at a time when the model fixes its batch at 1), and x is scored once for all.
     */
    private static Perturbed perturbed(Graph graph, INDArray x, Plane map, int c, Settings s) {
        boolean confidence = s.metrics().contains("drop") || s.metrics().contains("increase");
        try (Copies copies = new Copies(Scorer.probability(graph, c), x, ActivationGradient.rowsPerPass(graph, s.batchSize()))) {
            DeletionInsertion.Steps deletion = !s.metrics().contains("deletion") ? null : new DeletionInsertion(s.deletion(),
                    s.pixelsPerStep(), s.batchSize(), 0).queue(DeletionInsertion.Mode.DELETION, x, map, copies);
            DeletionInsertion.Steps insertion = !s.metrics().contains("insertion") ? null : new DeletionInsertion(s.insertion(),
                    s.pixelsPerStep(), s.batchSize(), 0).queue(DeletionInsertion.Mode.INSERTION, x, map, copies);
            int original = confidence ? copies.image() : -1;
            int explanationMap = confidence ? copies.add(ConfidenceChange.explanationMap(x, map)) : -1;
            double[] scores = copies.scores();
            return new Perturbed(deletion == null ? null : deletion.curve(scores), insertion == null ? null : insertion.curve(scores),
                    confidence ? new ConfidenceChange.Scores(scores[original], scores[explanationMap]) : null);
        }
    }

    /** The object at the input resolution: the generator's mask, or the union of the truth boxes scaled outward. */
    static Plane objectMask(Truth truth, int H, int W) {
        if (truth.mask() != null) {
            return truth.mask();
        }
        double[] v = new double[H * W];
        for (Box b : truth.boxes()) {
            Box s = b.scaled(truth.width(), truth.height(), W, H);
            for (int y = Math.max(0, s.y0()); y < Math.min(H, s.y1()); y++) {
                for (int x = Math.max(0, s.x0()); x < Math.min(W, s.x1()); x++) {
                    v[y * W + x] = 1;
                }
            }
        }
        return new Plane(H, W, v);
    }

    /** Mean and the half-width of its 95% interval (normal approximation, 1.96 standard errors). */
    public record Summary(double mean, double halfWidth, int n) {}

    public static Summary summary(double[] values) {
        int n = values.length;
        double mean = java.util.Arrays.stream(values).average().orElse(Double.NaN);
        double var = 0;
        for (double v : values) {
            var += (v - mean) * (v - mean);
        }
        double sd = n > 1 ? Math.sqrt(var / (n - 1)) : 0;
        return new Summary(mean, n > 1 ? 1.96 * sd / Math.sqrt(n) : 0, n);
    }
}
