package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.engine.Node;

/**
 * A copy of a graph whose layers note in {@code ran} the name of every node whose backward runs:
 * which part of the network an explainer's backward visits, seen from outside (hooks belong to
 * one call, so a test cannot put one on the explainer's pass).
 */
final class Spied {
    private Spied() {}

    static Graph graph(Graph g, Set<String> ran) {
        List<Node> nodes = g.nodes().stream().map(n -> new Node(n.name(), spy(n.name(), n.layer(), ran), n.inputs())).toList();
        return new Graph(g.inputs(), nodes, g.outputs(), g.aliases());
    }

    private static <C> Layer<C> spy(String name, Layer<C> layer, Set<String> ran) {
        return new Layer<>() {
            @Override
            public Forward<C> forward(INDArray... x) {
                return layer.forward(x);
            }

            @Override
            public Backward backward(C cache, INDArray dy, Need need) {
                ran.add(name);
                return layer.backward(cache, dy, need);
            }

            @Override
            public Map<String, INDArray> parameters() {
                return layer.parameters();
            }

            @Override
            public String describe() {
                return layer.describe();
            }
        };
    }
}
