package org.xai4j.explain.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Head;
import org.xai4j.explain.Maps;
import org.xai4j.explain.Method;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Target;

/**
 * The sanity checks of Adebayo et al. (NeurIPS 2018). Model-parameter randomization (section 3.1,
 * figures 2 and 4): each method's map of one image on the trained model against its map on models
 * whose top k weighted layers are redrawn ({@link ModelRandomization}), for several k (cascading),
 * or one layer at a time (independent). Data randomization (section 3.2): against its map
 * on a model of the same architecture trained on permuted labels, which can only have memorised.
 * The class explained stays the trained model's, as in the paper. Similarities: Spearman rank correlation of the signed map (channels summed) and of its absolute
 * value, SSIM and HOG similarity of the display map (the method's own aggregation; CAM maps as
 * they are). A method that explains the model should lose its similarity as the weights go.
 */
public final class SanityChecks {
    private SanityChecks() {}

    /**
     * One comparison; {@code randomized} is the top-most randomized layer (cascading) or the only
     * one (independent), {@code depth} how many layers were redrawn, {@code map} the display map
     * after randomization (for the figure of maps per step).
     */
    public record Row(String method, String mode, String randomized, int depth, double spearman, double spearmanAbs,
                      double ssim, double hog, Plane map) {}

    /** The trained model's display map of {@code method}, for the figure's first column. */
    public static Plane displayMap(Method method, Parameters parameters, Graph graph, INDArray x, int c) {
        return maps(method, parameters, graph, x, c)[1];
    }

    /** Cascading randomization to each depth in {@code depths} (1 = the logits' layer only). */
    public static List<Row> cascading(Method method, Parameters parameters, Graph graph, INDArray x, int c, int[] depths, long seed) {
        Plane[] original = maps(method, parameters, graph, x, c);
        List<String> top = ModelRandomization.layersTopDown(graph);
        List<Row> rows = new ArrayList<>();
        for (int k : depths) {
            Graph random = ModelRandomization.cascading(graph, k, seed);
            rows.add(compare(method, "cascading", top.get(k - 1), k, original, maps(method, parameters, random, x, c)));
        }
        return rows;
    }

    /** Independent randomization of each named layer. */
    public static List<Row> independent(Method method, Parameters parameters, Graph graph, INDArray x, int c, List<String> layers, long seed) {
        Plane[] original = maps(method, parameters, graph, x, c);
        List<Row> rows = new ArrayList<>();
        for (String layer : layers) {
            Graph random = ModelRandomization.independent(graph, layer, seed);
            rows.add(compare(method, "independent", layer, 1, original, maps(method, parameters, random, x, c)));
        }
        return rows;
    }

    /**
     * The data-randomization test: {@code method}'s map of class {@code c} on the trained model
     * against its map of the same class on {@code shuffled}, a model of the same input and classes
     * trained on permuted labels. One row, mode "data", randomized "labels", depth 0 (no layer
     * redrawn: every weight was learnt anew). {@code parameters} serve both models, so a layer it
     * names must be in both (null, the default, is each model's own last global pooling input).
     */
    public static Row dataRandomization(Method method, Parameters parameters, Graph graph, Graph shuffled, INDArray x, int c) {
        requireSameTask(graph, shuffled, x);
        return compare(method, "data", "labels", 0, maps(method, parameters, graph, x, c), maps(method, parameters, shuffled, x, c));
    }

    /**
     * Refuses, in one line, a data-randomized model that does not take the trained model's input
     * or does not give as many classes (for {@code x}): its maps would not be of the same question.
     */
    public static void requireSameTask(Graph graph, Graph shuffled, INDArray x) {
        long[] a = graph.inputs().get(0).shape(), b = shuffled.inputs().get(0).shape();
        boolean same = shuffled.inputs().size() == 1 && (a == null || b == null || a.length == b.length);
        for (int i = 1; same && a != null && b != null && i < a.length; i++) {
            same = a[i] < 1 || b[i] < 1 || a[i] == b[i]; // an open size is checked by running x below
        }
        if (!same) {
            throw new IllegalArgumentException("the data-randomized model takes input " + describe(shuffled)
                    + ", the model " + describe(graph) + "; it must take the same input");
        }
        long k = Head.of(graph).at(graph, x).length(), kShuffled = Head.of(shuffled).at(shuffled, x).length();
        if (k != kShuffled) {
            throw new IllegalArgumentException("the data-randomized model gives " + kShuffled + " classes, the model " + k
                    + "; it must give the same classes");
        }
    }

    private static String describe(Graph g) {
        return g.inputs().stream().map(i -> i.shape() == null ? "of any shape" : Arrays.toString(i.shape())).toList().toString();
    }

    private static Row compare(Method method, String mode, String layer, int depth, Plane[] before, Plane[] after) {
        return new Row(method.name(), mode, layer, depth, Similarity.spearman(before[0], after[0]),
                Similarity.spearmanAbs(before[0], after[0]), Similarity.ssim(before[1], after[1]),
                Similarity.hog(before[1], after[1]), after[1]);
    }

    /** {signed map, display map} of row 0. */
    private static Plane[] maps(Method method, Parameters parameters, Graph graph, INDArray x, int c) {
        Explanation e = method.explainer(parameters).explain(graph, x, Target.of(c));
        INDArray map = e.map();
        if (method.output() != Method.Output.INPUT) {
            Plane p = Plane.of(map.slice(0));
            return new Plane[] {p, p};
        }
        return new Plane[] {Plane.of(Maps.aggregate(map, Maps.Aggregation.SUM).slice(0)),
                Plane.of(Maps.aggregate(map, method.display()).slice(0))};
    }
}
