package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Hooks;
import org.xai4j.engine.Tape;

/**
 * The activation {@code A} at a node and the gradient {@code dScore/dA} of a target, from one
 * recorded forward pass and one backward pass that stops at the node: nothing below it runs and
 * no parameter gradient is computed. Both arrays belong to the caller ({@code A} is a copy, or
 * the input itself when the node is the graph input). Only the part of the network downstream of
 * the node is recorded.
 */
public record ActivationGradient(INDArray activation, INDArray gradient, Scores scores) {

    public static ActivationGradient record(Graph graph, INDArray x, Target target, String node) {
        return record(graph, x, target, node, Hooks.NONE);
    }

    /** As {@link #record(Graph, INDArray, Target, String)}, with {@code hooks} for this pass. */
    public static ActivationGradient record(Graph graph, INDArray x, Target target, String node, Hooks hooks) {
        Head head = Head.of(graph);
        String name = graph.resolve(node);
        String input = inputOf(graph);
        // Recording only downstream of the node lets the engine run everything before it as
        // plain (accelerated) inference: Grad-CAM at the last block costs about one forward.
        try (Tape tape = graph.forward(Map.of(input, x), List.of(name), hooks)) {
            Target.Seed seed = target.seed(tape.value(head.logits()), head);
            INDArray g = tape.backward(head.logits(), seed.dz(), List.of(name)).get(name);
            INDArray a = name.equals(input) ? x : tape.value(name).dup();
            return new ActivationGradient(a, g, seed.scores());
        }
    }

    /**
     * How many rows one pass may carry: the input's first dimension when the model fixes it
     * (an ONNX export without a dynamic batch axis says 1), otherwise {@code batchSize}.
     */
    public static int rowsPerPass(Graph graph, int batchSize) {
        long[] shape = graph.inputs().get(0).shape();
        return shape != null && shape.length > 0 && shape[0] > 0 ? (int) Math.min(batchSize, shape[0]) : batchSize;
    }

    /** The name of the graph's only input; explainers take one input array. */
    public static String inputOf(Graph graph) {
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException("explainers need a graph with one input; this one has "
                    + graph.inputs().size() + ": " + graph.inputs().stream().map(Graph.Input::name).toList());
        }
        return graph.inputs().get(0).name();
    }
}
