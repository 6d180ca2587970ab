package org.xai4j.importers.onnx;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.importers.ModelFormatException;
import org.xai4j.layers.Constant;

/**
 * The state of one import: the constants known so far (initializers, {@code Constant} nodes and
 * everything folded from them), the engine nodes emitted, and the rank of every value.
 *
 * <p>A node whose inputs are all constants is never emitted: it is evaluated here and its output
 * becomes one more constant. That is how the shape arithmetic exporters write
 * ({@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape}) disappears at import. Shapes of
 * computed tensors come from running the part of the graph built so far once on zeros (twice
 * when the batch is dynamic, to see which dimensions follow it), so they always agree with
 * what the layers really produce.
 */
final class Conversion {
    /** Stands for "the batch size" in a folded shape tensor when the file's batch is dynamic. */
    static final long DYNAMIC = Long.MIN_VALUE + 1;

    final Path file;
    private final List<Graph.Input> inputs;
    private final Map<String, INDArray> constants = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private final Set<String> emittedConstants = new HashSet<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> byName = new HashMap<>();
    private final Map<String, long[]> shapes = new HashMap<>();

    Conversion(Path file, List<Graph.Input> inputs) {
        this.file = file;
        this.inputs = inputs;
        for (Graph.Input in : inputs) {
            ranks.put(in.name(), in.shape() == null ? -1 : in.shape().length);
        }
    }

    List<Node> nodes() {
        return nodes;
    }

    List<Graph.Input> inputs() {
        return inputs;
    }

    boolean isConstant(String name) {
        return constants.containsKey(name);
    }

    /** The constant {@code name}, or null when it is computed from a graph input. */
    INDArray constant(String name) {
        return constants.get(name);
    }

    void putConstant(String name, INDArray value) {
        constants.put(name, value);
        ranks.put(name, value.rank());
    }

    boolean isKnown(String name) {
        return ranks.containsKey(name);
    }

    /** Rank of a value (-1 if the file does not say, for a graph input without a shape). */
    int rank(String name) {
        Integer r = ranks.get(name);
        if (r == null) {
            throw new IllegalArgumentException("reads '" + name
                    + "', which is neither a graph input, an initializer nor the output of an earlier node");
        }
        return r;
    }

    /**
     * The engine value to read for ONNX tensor {@code name}: a constant read by a computed node
     * becomes a {@link Constant} node of the same name the first time it is asked for.
     */
    String value(OnnxNode reader, String name) {
        INDArray c = constants.get(name);
        if (c == null) {
            if (!ranks.containsKey(name)) {
                throw reader.error("reads '" + name + "', which is neither a graph input, an initializer nor the output of an earlier node");
            }
            return name;
        }
        checkStatic(reader, name, c);
        emitConstant(name, c);
        return name;
    }

    /** A graph output: a computed value, or a constant given a node of its own. */
    String output(String name) {
        INDArray c = constants.get(name);
        if (c != null) {
            emitConstant(name, c);
        } else if (!byName.containsKey(name)) {
            throw new ModelFormatException(file + ": graph output '" + name + "' is not computed by any node");
        }
        return name;
    }

    private void emitConstant(String name, INDArray c) {
        if (emittedConstants.add(name)) {
            add(new Node(name, new Constant(asFloat(c)), List.of()));
        }
    }

    /**
     * Emits {@code layer} producing {@code name} from {@code in}, or, when every input is a
     * constant, runs it now and records the output as a constant.
     */
    void emit(OnnxNode node, String name, Layer<?> layer, int rank, String... in) {
        boolean allConstant = in.length > 0;
        for (String i : in) {
            allConstant &= constants.containsKey(i);
        }
        if (allConstant) {
            INDArray[] x = new INDArray[in.length];
            for (int k = 0; k < in.length; k++) {
                checkStatic(node, in[k], constants.get(in[k]));
                x[k] = asFloat(constants.get(in[k]));
            }
            try {
                Layer.Forward<?> f = layer.forward(x);
                putConstant(name, f.y().dup());
                if (f.cache() instanceof Layer.OwnedCache owned) {
                    owned.close();
                }
            } catch (RuntimeException e) {
                throw node.error("folding it on constant inputs failed: " + e.getMessage());
            }
            return;
        }
        String[] values = new String[in.length];
        for (int k = 0; k < in.length; k++) {
            values[k] = value(node, in[k]);
        }
        add(new Node(name, layer, List.of(values)));
        ranks.put(name, rank);
    }

    private void add(Node n) {
        nodes.add(n);
        byName.put(n.name(), n);
    }

    /** A constant shape tensor must not carry the batch size into a layer's fixed settings. */
    void checkStatic(OnnxNode node, String name, INDArray c) {
        if (c.dataType() == DataType.LONG && c.length() > 0) {
            for (long v : ConstantOps.longs(c)) {
                if (v == DYNAMIC) {
                    throw node.error("'" + name + "' is computed from the dynamic batch size, and only a Reshape may use that; "
                            + "export the model with a fixed batch size");
                }
            }
        }
    }

    static INDArray asFloat(INDArray c) {
        return c.dataType() == DataType.FLOAT ? c : c.castTo(DataType.FLOAT);
    }

    /**
     * The shape of a value, with -1 for dimensions that follow the dynamic batch size. Computed
     * values are measured by running their part of the graph on zeros.
     */
    long[] shape(OnnxNode reader, String name) {
        INDArray c = constants.get(name);
        if (c != null) {
            return c.shape();
        }
        for (Graph.Input in : inputs) {
            if (in.name().equals(name)) {
                if (in.shape() == null) {
                    throw reader.error("needs the shape of input '" + name + "', which the file does not give");
                }
                return in.shape().clone();
            }
        }
        long[] s = shapes.get(name);
        if (s == null) {
            s = probe(reader, name);
            shapes.put(name, s);
        }
        return s.clone();
    }

    private long[] probe(OnnxNode reader, String name) {
        if (!byName.containsKey(name)) {
            throw reader.error("reads '" + name + "', which no earlier node produces");
        }
        List<Node> needed = ancestors(name);
        List<Graph.Input> used = new ArrayList<>();
        boolean dynamic = false;
        for (Graph.Input in : inputs) {
            if (needed.stream().anyMatch(n -> n.inputs().contains(in.name()))) {
                used.add(in);
                if (in.shape() == null) {
                    throw reader.error("needs the shape of '" + name + "', but the file gives no shape for input '" + in.name() + "'");
                }
                for (int d = 0; d < in.shape().length; d++) {
                    if (in.shape()[d] < 0 && d > 0) {
                        throw reader.error("needs the shape of '" + name + "', which depends on dimension " + d
                                + " of input '" + in.name() + "' that the file leaves symbolic");
                    }
                    dynamic |= in.shape()[d] < 0;
                }
            }
        }
        Graph g = new Graph(used, needed, List.of(name));
        try {
            long[] one = run(g, used, 1);
            if (!dynamic) {
                return one;
            }
            long[] two = run(g, used, 2);
            if (one.length != two.length) {
                throw reader.error("the rank of '" + name + "' changes with the batch size");
            }
            for (int d = 0; d < one.length; d++) {
                if (one[d] != two[d]) {
                    one[d] = -1;
                }
            }
            return one;
        } catch (ModelFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw reader.error("computing the shape of '" + name + "' failed: " + e.getMessage());
        }
    }

    private static long[] run(Graph g, List<Graph.Input> used, long batch) {
        Map<String, INDArray> feeds = new HashMap<>();
        for (Graph.Input in : used) {
            long[] s = in.shape().clone();
            if (s.length > 0 && s[0] < 0) {
                s[0] = batch;
            }
            feeds.put(in.name(), Nd4j.zeros(DataType.FLOAT, s));
        }
        String out = g.outputs().get(0);
        return g.run(feeds, List.of(out)).get(out).shape();
    }

    private List<Node> ancestors(String name) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(name));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            Node n = byName.get(v);
            if (n != null && seen.add(v)) {
                todo.addAll(n.inputs());
            }
        }
        return nodes.stream().filter(n -> seen.contains(n.name())).toList();
    }
}
