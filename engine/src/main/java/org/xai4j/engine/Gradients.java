package org.xai4j.engine;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The result of a backward pass: {@code dL/dv} for each requested value {@code v}, and
 * parameter gradients per node when they were asked for. The arrays belong to the caller.
 */
public final class Gradients {
    private final Graph graph;
    private final Map<String, INDArray> values;
    private final Map<String, Map<String, INDArray>> parameters;

    Gradients(Graph graph, Map<String, INDArray> values, Map<String, Map<String, INDArray>> parameters) {
        this.graph = graph;
        this.values = values;
        this.parameters = parameters;
    }

    /** The gradient of the seed with respect to the value {@code name} (a node or graph input). */
    public INDArray get(String name) {
        INDArray g = values.get(graph.resolve(name));
        if (g == null) {
            throw new IllegalArgumentException("no gradient was requested for '" + name + "'; requested: " + values.keySet());
        }
        return g;
    }

    /** Parameter gradients of one node, by parameter name; empty unless parameters were asked for. */
    public Map<String, INDArray> parameters(String node) {
        return parameters.getOrDefault(graph.resolve(node), Map.of());
    }

    /** All parameter gradients, node name to parameter name to gradient. */
    public Map<String, Map<String, INDArray>> parameters() {
        return parameters;
    }
}
