package org.xai4j.layers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;

/**
 * Merges an inference batch norm into the convolution before it, so that one layer does the
 * work of two. With {@code a = gamma / sqrt(var + eps)} per output channel k:
 *
 * <pre>W'[k,...] = a[k] W[k,...]      b'[k] = a[k] (b[k] - mean[k]) + beta[k]</pre>
 *
 * Nothing is mutated: new arrays, a new layer, a new graph (Zennit's {@code MergeBatchNorm}).
 * The folded weights are computed in double and stored in the convolution's precision.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {}

    /** A new convolution computing {@code bn(conv(x))}. */
    public static Conv2d fold(Conv2d conv, BatchNorm2d bn) {
        INDArray w = conv.weight();
        long K = w.size(0);
        if (bn.gamma().length() != K) {
            throw new IllegalArgumentException("cannot fold BatchNorm2d over " + bn.gamma().length()
                    + " channels into a Conv2d with K = " + K + " output channels");
        }
        INDArray a = d(bn.gamma()).div(Transforms.sqrt(d(bn.var()).add(bn.eps()), false));
        INDArray folded = d(w).reshape(K, w.length() / K).mulColumnVector(a.reshape(K, 1)).reshape(w.shape());
        INDArray b = conv.bias() == null ? Nd4j.zeros(DataType.DOUBLE, K) : d(conv.bias());
        INDArray bias = b.sub(d(bn.mean())).muli(a).addi(d(bn.beta()));
        DataType type = w.dataType();
        return new Conv2d(folded.castTo(type), bias.castTo(type), conv.spec());
    }

    /**
     * A new graph in which every BatchNorm2d node whose only input is a Conv2d node read by
     * nothing else (and not a graph output) is merged with it. The merged node keeps the batch
     * norm's name, the value users see; the convolution's value, and aliases to it, disappear.
     * A specialized convolution ({@link Specialization}) is folded through its reference and
     * specialized again.
     */
    public static Graph fold(Graph g) {
        Map<String, Integer> readers = new HashMap<>();
        for (Node n : g.nodes()) {
            for (String in : n.inputs()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        Map<String, Node> byName = new HashMap<>();
        g.nodes().forEach(n -> byName.put(n.name(), n));
        Set<String> removed = new HashSet<>();
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Node conv = n.inputs().size() == 1 ? byName.get(n.inputs().get(0)) : null;
            if (n.layer() instanceof BatchNorm2d bn && conv != null && Specialization.reference(conv.layer()) instanceof Conv2d c
                    && readers.get(conv.name()) == 1 && !g.outputs().contains(conv.name())) {
                nodes.add(new Node(n.name(), Specialization.like(conv.layer(), fold(c, bn)), conv.inputs()));
                removed.add(conv.name());
            } else {
                nodes.add(n);
            }
        }
        nodes.removeIf(n -> removed.contains(n.name()));
        Map<String, String> aliases = new LinkedHashMap<>(g.aliases());
        aliases.values().removeIf(removed::contains);
        return new Graph(g.inputs(), nodes, g.outputs(), aliases);
    }

    private static INDArray d(INDArray a) {
        return a.castTo(DataType.DOUBLE).reshape(a.shape());
    }
}
