package org.xai4j.importers.onnx;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Constant;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Linear;

/**
 * The same graph with every parameter in float64, to compare with the oracle's float64
 * references without float32 rounding in between: then a wrong rule cannot hide behind a
 * tolerance sized for rounding.
 */
final class Float64 {
    private Float64() {}

    static Graph of(Graph g) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Layer<?> l = n.layer();
            if (l instanceof Conv2d c) {
                l = new Conv2d(d(c.weight()), d(c.bias()), c.spec());
            } else if (l instanceof BatchNorm2d b) {
                l = new BatchNorm2d(d(b.gamma()), d(b.beta()), d(b.mean()), d(b.var()), b.eps());
            } else if (l instanceof Linear f) {
                l = new Linear(d(f.weight()), d(f.bias()));
            } else if (l instanceof Constant c) {
                l = new Constant(d(c.value()));
            } else if (!l.parameters().isEmpty()) {
                throw new IllegalArgumentException("no float64 copy for " + l.describe());
            }
            nodes.add(new Node(n.name(), l, n.inputs()));
        }
        return new Graph(g.inputs(), nodes, g.outputs(), g.aliases());
    }

    static INDArray d(INDArray a) {
        return a == null ? null : a.castTo(DataType.DOUBLE);
    }
}
