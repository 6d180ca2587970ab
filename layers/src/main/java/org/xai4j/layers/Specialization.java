package org.xai4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;

/**
 * The graph rewrite that puts the faster layers in place of the reference layers they compute
 * the same function as, so that each reference layer can compute its formula one readable way:
 * <pre>
 *   Conv2d 1x1, groups 1, no pads   -> PointwiseConv2d  (a matrix product per image on large maps)
 *   Conv2d depthwise (groups = C)   -> DepthwiseConv2d  (ND4J's depthwise kernel; dx by the rotated kernel)
 *   Conv2d other groups             -> GroupedConv2d    (one convolution per group)
 *   Clip(0, 6)                      -> ReLU6            (libnd4j's relu6 and relu6_bp)
 *   Linear                          -> SparseSeedLinear (dx of a sparse seed as a sum of a few rows of W)
 *   MaxPool2d                       -> Nd4jMaxPool2d    (ND4J's max-pooling kernel where it applies)
 *   BatchNormTraining               -> FloatBatchNormTraining (float32 planes in Java arrays)
 * </pre>
 * A pure function, like {@link BatchNormFolding#fold(Graph)}: a new graph with the same names,
 * inputs, outputs and aliases, sharing the weights; nothing is mutated, and applying it twice
 * changes nothing more. The importers apply it after folding batch norms, so a loaded model runs
 * at full speed; a graph built in code runs the reference layers until it is passed through
 * {@link #apply}. {@link #reference(Graph)} undoes it (for training code that wants the
 * reference layers, whose weights are the ones the specialized layers read).
 */
public final class Specialization {
    private Specialization() {}

    /** A new graph with every layer that has a faster equivalent replaced by it. */
    public static Graph apply(Graph g) {
        return map(g, true);
    }

    /** A new graph with every specialized layer replaced by its reference layer. */
    public static Graph reference(Graph g) {
        return map(g, false);
    }

    /** The faster equivalent of a reference layer, or the layer itself where there is none. */
    public static Layer<?> of(Layer<?> layer) {
        if (layer instanceof Conv2d c) {
            if (DepthwiseConv2d.applies(c)) {
                return new DepthwiseConv2d(c);
            }
            if (GroupedConv2d.applies(c)) {
                return new GroupedConv2d(c);
            }
            if (PointwiseConv2d.applies(c)) {
                return new PointwiseConv2d(c);
            }
        }
        if (layer instanceof Clip c && ReLU6.applies(c)) {
            return new ReLU6(c);
        }
        if (layer instanceof Linear l) {
            return new SparseSeedLinear(l);
        }
        if (layer instanceof MaxPool2d m) {
            return new Nd4jMaxPool2d(m);
        }
        if (layer instanceof BatchNormTraining b) {
            return new FloatBatchNormTraining(b);
        }
        return layer;
    }

    /** The reference layer of a specialized one; any other layer itself. */
    public static Layer<?> reference(Layer<?> layer) {
        return layer instanceof Specialized<?> s ? s.reference() : layer;
    }

    /**
     * {@code replacement}, a reference layer computed from {@code original}'s (a folded or
     * float64 copy), specialized again when {@code original} was.
     */
    public static Layer<?> like(Layer<?> original, Layer<?> replacement) {
        return original instanceof Specialized<?> ? of(replacement) : replacement;
    }

    private static Graph map(Graph g, boolean specialize) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Layer<?> l = specialize ? of(n.layer()) : reference(n.layer());
            nodes.add(l == n.layer() ? n : new Node(n.name(), l, n.inputs()));
        }
        return new Graph(g.inputs(), nodes, g.outputs(), g.aliases());
    }
}
