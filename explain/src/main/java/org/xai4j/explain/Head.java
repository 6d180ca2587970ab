package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.GlobalMaxPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.Linear;
import org.xai4j.layers.Reshape;
import org.xai4j.layers.Sigmoid;
import org.xai4j.layers.Softmax;
import org.xai4j.layers.Specialization;

/**
 * The head of a classifier graph, read from its nodes by one set of rules that {@code predict},
 * every explainer and the command line share:
 * <pre>
 *   logits       the value read as z [N, K]: the graph's output, or the input of a final softmax
 *                (possibly followed by reshapes, as Keras classifiers often are)
 *   softmax      that softmax node, or null
 *   featureMaps  the CAM family's default layer: the input of the last global pooling node
 *   classifier   W [K, C] when that pooling is an average read by a linear layer (Linear, or a 1x1
 *                convolution) that leads straight to the logits: CAM's weights; else null and
 *                {@link #whyNoClassifier} says what was found
 * </pre>
 * Explaining the pre-softmax logit is the convention of the oracle and of the Grad-CAM paper;
 * probabilities are computed from these logits when a {@link Target} asks. Immutable.
 */
public record Head(String output, String logits, String softmax, String pooling, String featureMaps,
                   INDArray classifier, String whyNoClassifier) {

    public static Head of(Graph graph) {
        String output = graph.outputs().get(0);
        String logits = output;
        String softmax = null;
        for (String v = output; !graph.isInput(v); ) {
            Node n = graph.node(v);
            if (n.layer() instanceof Softmax) {
                softmax = n.name();
                logits = n.inputs().get(0);
                break;
            }
            if (!isReshape(n)) {
                break;
            }
            v = n.inputs().get(0);
        }
        String pooling = lastGlobalPooling(graph);
        String featureMaps = pooling == null ? null : graph.node(pooling).inputs().get(0);
        String why = "the model has no global pooling node";
        INDArray W = null;
        if (pooling != null) {
            why = classifierProblem(graph, featureMaps, logits);
            W = why.isEmpty() ? weightsOf(next(graph, graph.node(pooling)).layer()) : null;
        }
        return new Head(output, logits, softmax, pooling, featureMaps, W, why);
    }

    /** Why the logits are not the output, or empty. */
    public String note() {
        return softmax == null ? "" : "the output '" + output + "' is a softmax; explained its input '" + logits + "' as the logits";
    }

    /** Whether the logits are not themselves a softmax or sigmoid output: then they are pre-softmax logits. */
    public boolean preActivation(Graph graph) {
        if (graph.isInput(logits)) {
            return true;
        }
        Layer<?> layer = graph.node(logits).layer();
        return !(layer instanceof Softmax || layer instanceof Sigmoid);
    }

    /** The logits for {@code x}, by inference (activations freed as soon as possible). */
    public INDArray at(Graph graph, INDArray x) {
        return graph.run(Map.of(ActivationGradient.inputOf(graph), x), List.of(logits)).get(logits);
    }

    /**
     * The node a CAM method reads, {@code layer} resolved (null: {@link #featureMaps}), refused
     * with the reason when it cannot hold feature maps the score depends on: the graph input
     * (its "channels" are colours, and weighting them by their mean gradient is no class
     * activation map), a value the logits do not depend on, or one at or after global pooling
     * or the logits (no spatial extent left).
     */
    public String featureMapsAt(Graph graph, String layer, String method) {
        if (layer == null) {
            if (featureMaps == null) {
                throw new IllegalArgumentException(method + " needs a layer: the model has no global pooling node whose input "
                        + "would be the default layer; pass a node with a 4-D output (`xai4j layers` lists them)");
            }
            return featureMaps;
        }
        String name = graph.resolve(layer);
        if (graph.isInput(name)) {
            throw new IllegalArgumentException("'" + layer + "' is the model's input, not a layer's feature maps: " + method
                    + " would weight the input's colour channels, not features (saliency and gradxinput explain the input)");
        }
        if (!graph.upstreamOf(logits).contains(name)) {
            throw new IllegalArgumentException("'" + layer + "' does not lead to the logits '" + logits + "', so " + method
                    + " has no gradient there; pass a layer between the input and the logits");
        }
        if (name.equals(logits)) {
            throw new IllegalArgumentException("'" + layer + "' is the logits, which have no spatial extent to map; pass a "
                    + "layer before global pooling" + (featureMaps == null ? "" : ", such as '" + featureMaps + "'"));
        }
        if (pooling != null && graph.upstreamOf(name).contains(pooling)) {
            throw new IllegalArgumentException("'" + layer + "' comes after the last global pooling '" + pooling
                    + "': its values have no spatial extent to map; pass a layer before it, such as '" + featureMaps + "'");
        }
        if (!graph.downstreamOf(graph.inputs().stream().map(Graph.Input::name).toList()).contains(name)) {
            throw new IllegalArgumentException("'" + layer + "' does not depend on the model's input, so " + method
                    + " has nothing to map there");
        }
        return name;
    }

    /**
     * CAM's classifier weights {@code [K, C]} for feature maps at {@code layer} (resolved): the
     * {@link #classifier} when {@code layer} is the pooled one, else a one-line error naming what
     * reads it.
     */
    public INDArray classifierAt(Graph graph, String layer) {
        if (layer.equals(featureMaps) && classifier != null) {
            return classifier;
        }
        String problem = layer.equals(featureMaps) ? whyNoClassifier : classifierProblem(graph, layer, logits);
        throw new IllegalArgumentException("CAM needs global average pooling then a linear layer (Linear or 1x1 convolution) "
                + "producing the logits '" + logits + "' right after '" + layer + "', but " + problem + " (Grad-CAM works at any layer)");
    }

    /** What stands between {@code layer} and a linear classifier of the logits, or empty when nothing does. */
    private static String classifierProblem(Graph graph, String layer, String logits) {
        List<Node> readers = readers(graph, layer);
        if (readers.size() != 1 || !(readers.get(0).layer() instanceof GlobalAvgPool)) {
            return "it is read by " + describe(readers);
        }
        Node n = next(graph, readers.get(0));
        if (n == null || weightsOf(n.layer()) == null) {
            return "the pooling is followed by " + (n == null ? "several nodes or none" : describe(List.of(n)));
        }
        for (String v = n.name(); !v.equals(logits); ) {
            List<Node> after = readers(graph, v);
            if (after.size() != 1 || !isReshape(after.get(0))) {
                return "the linear layer '" + n.name() + "' does not lead straight to the logits";
            }
            v = after.get(0).name();
        }
        return "";
    }

    /** The last global pooling node (average or max), or null. */
    private static String lastGlobalPooling(Graph graph) {
        List<Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.layer() instanceof GlobalAvgPool || n.layer() instanceof GlobalMaxPool) {
                return n.name();
            }
        }
        return null;
    }

    /** A Linear layer's weight, or a 1x1 convolution's as [K, C] (on a 1x1 input it is linear); else null. */
    private static INDArray weightsOf(Layer<?> node) {
        Layer<?> layer = Specialization.reference(node);
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
