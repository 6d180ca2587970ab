package org.xai4j.explain.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Linear;
import org.xai4j.layers.Specialization;

/**
 * The randomized models of the model-parameter randomization test (Adebayo et al., "Sanity Checks
 * for Saliency Maps", NeurIPS 2018, section 3.1): a method whose map does not change when the
 * weights it explains are destroyed does not explain the model. Cascading randomization destroys
 * the layers from the logits down, one more at each step; independent randomization one layer at
 * a time. The weights that count are those of convolutions and linear layers (batch norms are
 * folded into the convolutions on import); each is redrawn from a normal distribution truncated at
 * two standard deviations with mean 0 and the standard deviation of the weights it replaces (the
 * paper redraws from a truncated normal; keeping each layer's scale keeps activations in range),
 * biases likewise. Seeded; the original graph is untouched (graphs are values).
 */
public final class ModelRandomization {
    private ModelRandomization() {}

    /** The nodes with weights, from the logits down. */
    public static List<String> layersTopDown(Graph graph) {
        List<String> names = new ArrayList<>();
        for (Node n : graph.nodes()) {
            Layer<?> l = Specialization.reference(n.layer());
            if (l instanceof Conv2d || l instanceof Linear) {
                names.add(n.name());
            }
        }
        Collections.reverse(names);
        return names;
    }

    /** The graph with its top {@code k} weighted layers randomized. */
    public static Graph cascading(Graph graph, int k, long seed) {
        List<String> top = layersTopDown(graph);
        if (k < 0 || k > top.size()) {
            throw new IllegalArgumentException("the model has " + top.size() + " layers with weights; cannot randomize " + k);
        }
        Graph g = graph;
        for (String node : top.subList(0, k)) {
            g = g.withLayer(node, randomized(g.node(node).layer(), seed ^ node.hashCode()));
        }
        return g;
    }

    /** The graph with only {@code node}'s weights randomized. */
    public static Graph independent(Graph graph, String node, long seed) {
        String name = graph.node(node).name();
        if (!layersTopDown(graph).contains(name)) {
            throw new IllegalArgumentException("node '" + node + "' has no weights to randomize (a convolution or linear layer is needed)");
        }
        return graph.withLayer(name, randomized(graph.node(name).layer(), seed ^ name.hashCode()));
    }

    /** The layer with new weights, in the same faster form when it had one (an imported graph is specialized). */
    static Layer<?> randomized(Layer<?> layer, long seed) {
        Random random = new Random(seed);
        Layer<?> reference = Specialization.reference(layer);
        if (reference instanceof Conv2d conv) {
            return Specialization.like(layer, new Conv2d(redraw(conv.weight(), random),
                    conv.bias() == null ? null : redraw(conv.bias(), random), conv.spec()));
        }
        if (reference instanceof Linear linear) {
            return Specialization.like(layer, new Linear(redraw(linear.weight(), random),
                    linear.bias() == null ? null : redraw(linear.bias(), random)));
        }
        throw new IllegalArgumentException(layer.describe() + " has no weights to randomize");
    }

    private static INDArray redraw(INDArray w, Random random) {
        double std = w.length() > 1 ? w.stdNumber().doubleValue() : Math.abs(w.getDouble(0));
        if (!(std > 0)) {
            std = 1e-2;
        }
        double[] v = new double[(int) w.length()];
        for (int i = 0; i < v.length; i++) {
            double z;
            do {
                z = random.nextGaussian();
            } while (Math.abs(z) > 2);
            v[i] = z * std;
        }
        return Nd4j.create(v, w.shape()).castTo(w.dataType());
    }
}
