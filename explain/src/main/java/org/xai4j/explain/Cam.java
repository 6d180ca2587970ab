package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.Linear;
import org.xai4j.layers.Reshape;

/**
 * CAM (Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016): for a
 * layer read by global average pooling and a linear classifier (a Linear layer, or a 1x1
 * convolution as in Keras's MobileNet), the classifier's weights applied at every position of the
 * layer's feature maps.
 * <pre>
 *   w_k = sum_j seed_j W[j, k]      (= W[c, k] for the logit of class c; seed = dScore/dz)
 *   raw = sum_k w_k A_k              [N, h, w], no ReLU, no bias: mean(raw) + b_c = z_c
 *   map = bilinear(relu(raw))        [N, H, W]
 * </pre>
 * Cost: one forward pass (inference), no backward. Grad-CAM at the same layer equals
 * {@code relu(raw) / (h*w)}.
 */
public final class Cam implements Explainer<CamResult> {
    private final String layer;

    public Cam(String layer) {
        this.layer = layer;
    }

    public static Cam of(String layer) {
        return new Cam(layer);
    }

    public String layer() {
        return layer;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "CAM");
        Logits logits = Logits.of(graph);
        String name = graph.resolve(layer);
        INDArray W = classifier(graph, name, logits.node());
        Map<String, INDArray> v = graph.run(Map.of(ActivationGradient.inputOf(graph), x), List.of(name, logits.node()));
        INDArray A = v.get(name);
        NdArrays.require4d(A, "the activation at '" + layer + "'", "CAM");
        if (W.size(1) != A.size(1)) {
            throw new IllegalArgumentException("CAM: the linear layer after '" + layer + "' reads " + W.size(1)
                    + " features but '" + layer + "' has " + A.size(1) + " channels");
        }
        Target.Seed seed = target.seed(v.get(logits.node()), logits);
        INDArray weights = seed.dz().reshape(A.size(0), W.size(0)).castTo(W.dataType()).mmul(W).castTo(A.dataType());
        INDArray raw = ChannelWeights.weightedSum(A, weights);
        INDArray positive = Transforms.relu(raw, true);
        INDArray map = Upsampling.bilinear(positive, (int) x.size(2), (int) x.size(3));
        NdArrays.close(positive, A);
        return new CamResult(map, raw, weights, layer, seed.scores());
    }

    /**
     * The weights {@code [K, C]} of the linear classifier that reads {@code layer} through global
     * average pooling (and reshapes) and produces the logits; a one-line error naming what was
     * found instead.
     */
    static INDArray classifier(Graph graph, String layer, String logits) {
        String why = "CAM needs global average pooling then a linear layer (Linear or 1x1 convolution) producing the logits '" + logits
                + "' right after '" + layer + "'";
        List<Node> readers = readers(graph, layer);
        if (readers.size() != 1 || !(readers.get(0).layer() instanceof GlobalAvgPool)) {
            throw new IllegalArgumentException(why + ", but it is read by " + describe(readers) + " (Grad-CAM works at any layer)");
        }
        Node n = next(graph, readers.get(0));
        INDArray W = n == null ? null : weightsOf(n.layer());
        if (W == null) {
            throw new IllegalArgumentException(why + ", but the pooling is followed by "
                    + (n == null ? "several nodes or none" : describe(List.of(n))) + " (Grad-CAM works at any layer)");
        }
        for (String v = n.name(); !v.equals(logits); ) {
            List<Node> after = readers(graph, v);
            if (after.size() != 1 || !isReshape(after.get(0))) {
                throw new IllegalArgumentException(why + ", but the linear layer '" + n.name()
                        + "' does not lead straight to the logits (Grad-CAM works at any layer)");
            }
            v = after.get(0).name();
        }
        return W;
    }

    /** A Linear layer's weight, or a 1x1 convolution's as [K, C] (on a 1x1 input it is linear); else null. */
    private static INDArray weightsOf(Layer<?> layer) {
        if (layer instanceof Linear linear) {
            return linear.weight();
        }
        if (layer instanceof Conv2d conv && conv.weight().size(2) == 1 && conv.weight().size(3) == 1 && conv.spec().groups() == 1
                && conv.spec().padTop() == 0 && conv.spec().padLeft() == 0 && conv.spec().padBottom() == 0 && conv.spec().padRight() == 0) {
            return conv.weight().reshape(conv.weight().size(0), conv.weight().size(1));
        }
        return null;
    }

    /** The single reader of {@code n}'s output after skipping reshapes, or null. */
    private static Node next(Graph graph, Node n) {
        List<Node> readers = readers(graph, n.name());
        while (readers.size() == 1 && isReshape(readers.get(0))) {
            readers = readers(graph, readers.get(0).name());
        }
        return readers.size() == 1 ? readers.get(0) : null;
    }

    private static boolean isReshape(Node n) {
        return n.layer() instanceof Flatten || n.layer() instanceof Reshape || n.layer() instanceof Identity;
    }

    private static List<Node> readers(Graph graph, String value) {
        return graph.nodes().stream().filter(n -> n.inputs().contains(value)).toList();
    }

    private static String describe(List<Node> nodes) {
        return nodes.isEmpty() ? "nothing" : nodes.stream().map(n -> "'" + n.name() + "' (" + n.layer().describe() + ")").toList().toString();
    }
}
