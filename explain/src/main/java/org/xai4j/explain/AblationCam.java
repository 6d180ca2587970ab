package org.xai4j.explain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;

/**
 * Ablation-CAM (Desai and Ramaswamy, "Ablation-CAM: Visual Explanations for Deep Convolutional
 * Network via Gradient-free Localization", WACV 2020): each channel's weight is the fraction of
 * the score lost when that feature map is set to zero.
 * <pre>
 *   w_k = (y_c - y_c^k) / y_c      y_c^k: the score with A_k = 0      (eq. 3)
 *   raw = relu(sum_k w_k A_k),  map = bilinear(raw)                   (eq. 4)
 * </pre>
 * The score is the target's (the pre-softmax logit by default, as in the paper); a score of
 * exactly 0 is refused (the formula divides by it), and a negative one flips every weight's sign,
 * as the formula says. Only the part of the graph between the layer and the logits runs again:
 * it is cut out as a graph of its own whose inputs are the layer and any value from before the
 * layer that it also reads (a skip connection), fed from one forward pass of {@code x}. The K
 * ablated copies go through it in batches of {@code batchSize}. Cost: one forward pass plus K
 * passes of the part after the layer, per input row.
 */
public final class AblationCam implements Explainer<CamResult> {
    private final String layer;
    private final int batchSize;
    private final Progress progress;

    public AblationCam(String layer, int batchSize) {
        this(layer, batchSize, Progress.NONE);
    }

    /** {@code progress} hears of the clean pass and of each batch of ablated copies. */
    public AblationCam(String layer, int batchSize, Progress progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.layer = layer;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "Ablation-CAM");
        Head head = Head.of(graph);
        String name = head.featureMapsAt(graph, layer, "Ablation-CAM");
        Graph after = after(graph, name, head.logits());
        List<String> keep = new ArrayList<>();
        after.inputs().forEach(in -> keep.add(in.name()));
        keep.add(head.logits());
        Map<String, INDArray> v = graph.run(Map.of(ActivationGradient.inputOf(graph), x), keep);
        INDArray A = v.get(name);
        INDArray z = v.get(head.logits());
        progress.advance(x.size(0));
        NdArrays.require4d(A, "the activation at '" + name + "'", "Ablation-CAM");
        Scores scores = target.seed(z, head).scores();
        int n = (int) A.size(0);
        int k = (int) A.size(1);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);
        double[] weights = new double[n * k];
        for (int row = 0; row < n; row++) {
            Target fixed = target.fixedAt(z, row);
            double y = scores.valueOf(row);
            if (y == 0) {
                throw new IllegalArgumentException("Ablation-CAM divides by the score, and the score of row " + row + " is 0");
            }
            for (int start = 0; start < k; start += rows) {
                int count = Math.min(rows, k - start);
                Map<String, INDArray> feeds = new LinkedHashMap<>();
                for (String in : keep.subList(0, keep.size() - 1)) {
                    feeds.put(in, v.get(in).get(NDArrayIndex.interval(row, row + 1)).repeat(0, count));
                }
                INDArray ablated = feeds.get(name);
                for (int i = 0; i < count; i++) {
                    ablated.get(NDArrayIndex.point(i), NDArrayIndex.point(start + i)).assign(0);
                }
                INDArray zk = after.run(feeds, List.of(head.logits())).get(head.logits());
                double[] yk = fixed.seed(zk, head).scores().values();
                for (int i = 0; i < count; i++) {
                    weights[row * k + start + i] = (y - yk[i]) / y;
                }
                NdArrays.close(zk);
                feeds.values().forEach(NdArrays::close);
                progress.advance(count);
            }
        }
        INDArray w = NdArrays.create(weights, new long[] {n, k}, A.dataType());
        CamResult cam = CamResult.weighted(A, w, (int) x.size(2), (int) x.size(3), name, scores);
        v.values().forEach(NdArrays::close);
        return cam;
    }

    /**
     * The nodes between {@code layer} and {@code logits} as a graph whose inputs are {@code layer}
     * (first) and every other value those nodes read, each with a free batch axis.
     */
    static Graph after(Graph graph, String layer, String logits) {
        Set<String> between = new LinkedHashSet<>(graph.downstreamOf(List.of(layer)));
        between.retainAll(graph.upstreamOf(logits));
        between.add(logits);
        between.remove(layer);
        List<Node> nodes = graph.nodes().stream().filter(nd -> between.contains(nd.name())).toList();
        Set<String> read = new LinkedHashSet<>(List.of(layer));
        for (Node nd : nodes) {
            for (String in : nd.inputs()) {
                if (!between.contains(in)) {
                    read.add(in);
                }
            }
        }
        long[] x = inputShape(graph);
        Map<String, long[]> shapes = x == null ? Map.of() : graph.shapes(Map.of(ActivationGradient.inputOf(graph), x));
        List<Graph.Input> inputs = new ArrayList<>();
        for (String in : read) {
            long[] s = shapes.get(in);
            long[] free = s == null ? null : s.clone();
            if (free != null && free.length > 0) {
                free[0] = -1;
            }
            inputs.add(new Graph.Input(in, free));
        }
        return new Graph(inputs, nodes, List.of(logits));
    }

    /** The declared input shape with batch 1, or null when it is unknown (then the cut graph checks no shapes). */
    private static long[] inputShape(Graph graph) {
        long[] s = graph.inputs().get(0).shape();
        if (s == null) {
            return null;
        }
        long[] one = s.clone();
        one[0] = 1;
        for (long d : one) {
            if (d < 0) {
                return null;
            }
        }
        return one;
    }
}
