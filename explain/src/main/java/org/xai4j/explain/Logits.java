package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.Identity;
import org.xai4j.layers.Reshape;
import org.xai4j.layers.Softmax;

/**
 * The node whose output is read as the logits {@code z [N, K]}: the graph's output, or, when that
 * output is a softmax (possibly followed by reshapes, as Keras classifiers often are), the
 * softmax's input. Explaining the pre-softmax logit is the convention of the oracle and of the
 * Grad-CAM paper; probabilities are computed from these logits when a {@link Target} asks.
 */
public record Logits(String node, String note) {

    public static Logits of(Graph graph) {
        String output = graph.outputs().get(0);
        String v = output;
        while (!graph.isInput(v)) {
            Node n = graph.node(v);
            Layer<?> layer = n.layer();
            if (layer instanceof Softmax) {
                String z = n.inputs().get(0);
                return new Logits(z, "the output '" + output + "' is a softmax; explained its input '" + z + "' as the logits");
            }
            if (!(layer instanceof Flatten || layer instanceof Reshape || layer instanceof Identity)) {
                break;
            }
            v = n.inputs().get(0);
        }
        return new Logits(output, "");
    }

    /** The logits for {@code x}, by inference (activations freed as soon as possible). */
    public INDArray at(Graph graph, INDArray x) {
        return graph.run(Map.of(ActivationGradient.inputOf(graph), x), List.of(node)).get(node);
    }
}
