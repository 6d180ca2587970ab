package org.xai4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;

/**
 * The same graph with every parameter cast to float64. Casting float32 weights is exact, so a
 * float64 pass gives the exact answer for the stored weights: gradients of ReLU networks then
 * cannot flip at a kink that float32 rounding puts on the wrong side. A specialized layer
 * ({@link Specialization}) is copied through its reference and specialized again.
 */
public final class Float64 {
    private Float64() {}

    /** A new graph (same names, aliases and inputs); the original is not changed. */
    public static Graph copyOf(Graph g) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Layer<?> l = Specialization.reference(n.layer());
            if (l instanceof Conv2d c) {
                l = new Conv2d(of(c.weight()), of(c.bias()), c.spec());
            } else if (l instanceof BatchNorm2d b) {
                l = new BatchNorm2d(of(b.gamma()), of(b.beta()), of(b.mean()), of(b.var()), b.eps());
            } else if (l instanceof Linear f) {
                l = new Linear(of(f.weight()), of(f.bias()));
            } else if (l instanceof Constant c) {
                l = new Constant(of(c.value()));
            } else if (!l.parameters().isEmpty()) {
                throw new IllegalArgumentException("node '" + n.name() + "' (" + l.describe()
                        + ") has parameters with no float64 copy");
            }
            nodes.add(new Node(n.name(), Specialization.like(n.layer(), l), n.inputs()));
        }
        return new Graph(g.inputs(), nodes, g.outputs(), g.aliases());
    }

    /** {@code a} as float64, or null for null (an absent bias). */
    public static INDArray of(INDArray a) {
        return a == null ? null : a.castTo(DataType.DOUBLE);
    }
}
