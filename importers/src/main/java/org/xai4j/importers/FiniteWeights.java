package org.xai4j.importers;

import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Finite;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;

/**
 * Refuses a model with a NaN or infinite weight, before batch norms are folded (so the error
 * names the layer the file has). One such weight reaches every output it feeds, and ReLU and max
 * pooling then turn the NaN into ordinary-looking numbers: the model would print a confident class.
 */
public final class FiniteWeights {
    private FiniteWeights() {}

    /** Nothing when every parameter of every node is finite; else a ModelFormatException naming file, node and parameter. */
    public static Graph check(Path file, Graph graph) {
        for (Node n : graph.nodes()) {
            for (Map.Entry<String, INDArray> p : n.layer().parameters().entrySet()) {
                String problem = Finite.describe(p.getValue());
                if (problem != null) {
                    throw new ModelFormatException(file + ": node '" + n.name() + "' (" + n.layer().describe() + ") has "
                            + p.getKey() + " " + java.util.Arrays.toString(p.getValue().shape()) + " with " + problem
                            + "; a model's weights must be finite numbers");
                }
            }
        }
        return graph;
    }
}
