package org.xai4j.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.BatchNormTraining;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Linear;
import org.xai4j.layers.Specialization;

/**
 * A model in training: a copy of an inference graph in which every {@link BatchNorm2d} is a
 * {@link BatchNormTraining} (in its faster form, {@code Specialization.of}) and every parameter
 * array is the trainer's own, the running statistics of each batch norm beside it, and the
 * switch back to an inference graph.
 *
 * <p>Why this design: layers are immutable values that any thread may share, and batch norm's
 * two modes differ in what they compute (batch statistics and a backward through them, against
 * a fixed affine map). So the modes are two layer classes and the switch is a graph rewrite,
 * never a flag on a layer. What training changes lives here: the parameter arrays (copied from
 * the model at the start, so the caller's graph is never touched, then updated in place by the
 * optimizer) and the running statistics, which no layer holds. {@link #inference()} hands out a
 * new inference graph with copies of all of it, a value that later steps do not change. Only the
 * thread that trains may use the training graph while it trains.
 *
 * <p>Running statistics follow PyTorch's {@code BatchNorm2d} (momentum m = 0.1 by default):
 * {@code running = (1 - m) running + m batch}, with the batch variance unbiased
 * ({@code M / (M - 1)} times the biased one the normalisation used), M the values per channel.
 */
public final class TrainingGraph {
    private final Graph graph;
    /** Batch-norm node name to its running mean and variance [C], in the model's type. */
    private final Map<String, INDArray[]> running;

    private TrainingGraph(Graph graph, Map<String, INDArray[]> running) {
        this.graph = graph;
        this.running = running;
    }

    /**
     * The training copy of {@code model}. Trainable layers: {@link Conv2d}, {@link Linear},
     * {@link BatchNorm2d}, and the faster forms of the first two ({@link Specialization}), which
     * train as their reference layers; a node of another kind that holds parameters is refused,
     * naming it.
     */
    public static TrainingGraph of(Graph model) {
        List<Node> nodes = new ArrayList<>();
        Map<String, INDArray[]> running = new LinkedHashMap<>();
        for (Node n : model.nodes()) {
            Layer<?> layer = Specialization.reference(n.layer());
            Layer<?> copy;
            if (layer instanceof Conv2d c) {
                copy = new Conv2d(c.weight().dup('c'), dup(c.bias()), c.spec());
            } else if (layer instanceof Linear l) {
                copy = new Linear(l.weight().dup('c'), dup(l.bias()));
            } else if (layer instanceof BatchNorm2d bn) {
                copy = Specialization.of(new BatchNormTraining(bn.gamma().dup('c'), bn.beta().dup('c'), bn.eps()));
                running.put(n.name(), new INDArray[] {bn.mean().dup('c'), bn.var().dup('c')});
            } else if (layer.parameters().isEmpty()) {
                copy = layer;
            } else {
                throw new IllegalArgumentException("node '" + n.name() + "' (" + layer.describe() + ") has parameters that training"
                        + " cannot update; trainable layers: Conv2d, Linear, BatchNorm2d");
            }
            nodes.add(new Node(n.name(), copy, n.inputs()));
        }
        Graph g = new Graph(model.inputs(), nodes, model.outputs(), model.aliases());
        return new TrainingGraph(g, running);
    }

    /** The graph in training mode, whose parameter arrays the optimizer updates in place. */
    public Graph graph() {
        return graph;
    }

    /** Every parameter, keyed {@code node/parameter}, in execution order: the arrays themselves. */
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            n.layer().parameters().forEach((name, a) -> p.put(n.name() + "/" + name, a));
        }
        return Collections.unmodifiableMap(p);
    }

    /** Folds the batch statistics of a recorded training pass into the running statistics. */
    public void updateRunningStatistics(Tape tape, double momentum) {
        running.forEach((node, stats) -> {
            BatchNormTraining.Cache c = tape.cache(node, BatchNormTraining.Cache.class);
            double[] mean = Flat.read(stats[0]);
            double[] var = Flat.read(stats[1]);
            double unbias = (double) c.count() / (c.count() - 1);
            for (int k = 0; k < mean.length; k++) {
                mean[k] = (1 - momentum) * mean[k] + momentum * c.mean()[k];
                var[k] = (1 - momentum) * var[k] + momentum * unbias * c.var()[k];
            }
            Flat.write(mean, stats[0]);
            Flat.write(var, stats[1]);
        });
    }

    /** The running mean and variance of batch-norm node {@code node} (live arrays; copy to keep). */
    public INDArray[] runningStatistics(String node) {
        INDArray[] s = running.get(graph.node(node).name());
        if (s == null) {
            throw new IllegalArgumentException("'" + node + "' is not a batch norm of this graph");
        }
        return s;
    }

    /**
     * The model as it stands, for inference: each batch norm back to a {@link BatchNorm2d} with
     * the running statistics, every array a copy, reference layers throughout. Unfolded;
     * {@code BatchNormFolding.fold} merges the batch norms into their convolutions and
     * {@code Specialization.apply} puts the faster forms in.
     */
    public Graph inference() {
        List<Node> nodes = new ArrayList<>();
        for (Node n : graph.nodes()) {
            Layer<?> layer = Specialization.reference(n.layer());
            Layer<?> copy = layer;
            if (layer instanceof Conv2d c) {
                copy = new Conv2d(c.weight().dup('c'), dup(c.bias()), c.spec());
            } else if (layer instanceof Linear l) {
                copy = new Linear(l.weight().dup('c'), dup(l.bias()));
            } else if (layer instanceof BatchNormTraining bn) {
                INDArray[] s = running.get(n.name());
                copy = new BatchNorm2d(bn.gamma().dup('c'), bn.beta().dup('c'), s[0].dup('c'), s[1].dup('c'), bn.eps());
            }
            nodes.add(new Node(n.name(), copy, n.inputs()));
        }
        return new Graph(graph.inputs(), nodes, graph.outputs(), graph.aliases());
    }

    private static INDArray dup(INDArray a) {
        return a == null ? null : a.dup('c');
    }
}
