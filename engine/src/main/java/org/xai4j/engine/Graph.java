package org.xai4j.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A directed acyclic graph of named {@link Node}s over named inputs, executed in topological
 * order. {@link #forward} records a {@link Tape} for backward; {@link #run} only infers and frees
 * each activation after its last use.
 *
 * <p>An immutable value: nodes, names and aliases. What one call does besides the graph's own
 * rules (hooks, rectifier rules) is a {@link Hooks} value given to that call; the plans an
 * {@link Accelerator} compiles for the graph are kept by {@link Acceleration}, outside it. So one
 * graph serves any number of threads at once, each pass seeing only its own hooks.
 *
 * <p>Names: every value (graph input or node output) has one name; {@code aliases} map other
 * names a user may know (an ONNX node name besides its output tensor name, say) to it.
 */
public final class Graph {

    /** A graph input; {@code shape} uses -1 for a free dimension (usually the batch). */
    public record Input(String name, long[] shape) {
        public static Input of(String name, long... shape) {
            return new Input(name, shape);
        }
    }

    private final List<Input> inputs;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final Map<String, Node> byName = new HashMap<>();
    private final Map<String, Integer> position = new HashMap<>();
    private final Map<String, String> aliases;

    public Graph(List<Input> inputs, List<Node> nodes, List<String> outputs) {
        this(inputs, nodes, outputs, Map.of());
    }

    /** Nodes may come in any order; they are sorted topologically. */
    public Graph(List<Input> inputs, List<Node> nodes, List<String> outputs, Map<String, String> aliases) {
        this.inputs = List.copyOf(inputs);
        Set<String> known = new HashSet<>();
        for (Input in : inputs) {
            if (!known.add(in.name())) {
                throw new IllegalArgumentException("duplicate graph input '" + in.name() + "'");
            }
        }
        for (Node n : nodes) {
            if (!known.add(n.name())) {
                throw new IllegalArgumentException("duplicate value name '" + n.name() + "'");
            }
            byName.put(n.name(), n);
        }
        this.nodes = topologicalOrder(nodes, known);
        for (int i = 0; i < this.nodes.size(); i++) {
            position.put(this.nodes.get(i).name(), i);
        }
        for (String out : outputs) {
            if (!known.contains(out)) {
                throw new IllegalArgumentException("graph output '" + out + "' is not produced by any node");
            }
        }
        this.outputs = List.copyOf(outputs);
        for (Map.Entry<String, String> a : aliases.entrySet()) {
            if (!known.contains(a.getValue())) {
                throw new IllegalArgumentException("alias '" + a.getKey() + "' points to '" + a.getValue()
                        + "', which is neither a graph input nor a node");
            }
        }
        this.aliases = Map.copyOf(aliases);
    }

    private List<Node> topologicalOrder(List<Node> unordered, Set<String> known) {
        for (Node n : unordered) {
            for (String in : n.inputs()) {
                if (!known.contains(in)) {
                    throw new IllegalArgumentException(
                            "node '" + n.name() + "' reads '" + in + "', which is neither a graph input nor a node");
                }
            }
        }
        List<Node> order = new ArrayList<>(unordered.size());
        Set<String> done = new HashSet<>();
        inputs.forEach(i -> done.add(i.name()));
        Set<String> visiting = new HashSet<>();
        for (Node n : unordered) {
            visit(n, done, visiting, order);
        }
        return List.copyOf(order);
    }

    // Iterative depth-first search: ResNet-152-sized chains must not overflow the Java stack.
    private void visit(Node root, Set<String> done, Set<String> visiting, List<Node> order) {
        if (done.contains(root.name())) {
            return;
        }
        record Frame(Node node, int next) {}
        ArrayList<Frame> stack = new ArrayList<>();
        stack.add(new Frame(root, 0));
        visiting.add(root.name());
        while (!stack.isEmpty()) {
            Frame f = stack.remove(stack.size() - 1);
            if (f.next() < f.node().inputs().size()) {
                stack.add(new Frame(f.node(), f.next() + 1));
                String in = f.node().inputs().get(f.next());
                if (done.contains(in)) {
                    continue;
                }
                if (visiting.contains(in)) {
                    throw new IllegalArgumentException("the graph has a cycle through '" + in + "'");
                }
                visiting.add(in);
                stack.add(new Frame(byName.get(in), 0));
            } else {
                visiting.remove(f.node().name());
                done.add(f.node().name());
                order.add(f.node());
            }
        }
    }

    public List<Input> inputs() {
        return inputs;
    }

    /** Nodes in execution (topological) order. */
    public List<Node> nodes() {
        return nodes;
    }

    public List<String> outputs() {
        return outputs;
    }

    public Map<String, String> aliases() {
        return aliases;
    }

    /** The canonical value name for {@code name} or one of its aliases; a clear error otherwise. */
    public String resolve(String name) {
        if (byName.containsKey(name) || isInput(name)) {
            return name;
        }
        String target = aliases.get(name);
        if (target != null) {
            return target;
        }
        List<String> all = new ArrayList<>(byName.keySet());
        all.addAll(aliases.keySet());
        inputs.forEach(i -> all.add(i.name()));
        throw new IllegalArgumentException("no node named '" + name + "'"
                + Names.suggestion(name, all) + " (`xai4j layers` lists them all)");
    }

    public Node node(String name) {
        Node n = byName.get(resolve(name));
        if (n == null) {
            throw new IllegalArgumentException("'" + name + "' is a graph input, not a node");
        }
        return n;
    }

    /** {@code starts} (values) and every node that reads one of them, directly or not. */
    public Set<String> downstreamOf(Collection<String> starts) {
        Set<String> reached = new HashSet<>(starts);
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (reached.contains(in)) {
                    reached.add(n.name());
                    break;
                }
            }
        }
        return reached;
    }

    /** {@code value} and every value it is computed from, graph inputs included. */
    public Set<String> upstreamOf(String value) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(value));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v) && !isInput(v)) {
                todo.addAll(node(v).inputs());
            }
        }
        return seen;
    }

    /** Matches the node {@code name} (or the node an alias names): where a hook applies. */
    public Predicate<Node> named(String name) {
        String resolved = node(name).name();
        return n -> n.name().equals(resolved);
    }

    public boolean isInput(String name) {
        for (Input in : inputs) {
            if (in.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The accelerated plans compiled for this graph so far, one line each (diagnostics). */
    public List<String> describePlans() {
        return Acceleration.describePlans(this);
    }

    int position(String name) {
        Integer p = position.get(name);
        return p == null ? -1 : p;
    }

    /** Forward pass on the single graph input, recording what backward needs. */
    public Tape forward(INDArray x) {
        return forward(Map.of(singleInput(), x));
    }

    /** Forward pass recording every activation and cache; close the tape to free them. */
    public Tape forward(Map<String, INDArray> feeds) {
        return forward(feeds, Hooks.NONE);
    }

    /** Forward pass recording every activation and cache, with {@code hooks} for this pass and its backward. */
    public Tape forward(Map<String, INDArray> feeds, Hooks hooks) {
        return Tape.record(this, feeds, null, hooks);
    }

    /**
     * Forward pass that records only what a backward to {@code backwardTo} (nodes or the input)
     * needs: the nodes downstream of them. The stretch before them runs as plain inference,
     * through an {@link Accelerator} when there is one, and keeps only the values that later
     * nodes read. The tape's backward then accepts only targets at or below {@code backwardTo}.
     */
    public Tape forward(Map<String, INDArray> feeds, Collection<String> backwardTo) {
        return forward(feeds, backwardTo, Hooks.NONE);
    }

    /** As {@link #forward(Map, Collection)}, with {@code hooks} for this pass and its backward. */
    public Tape forward(Map<String, INDArray> feeds, Collection<String> backwardTo, Hooks hooks) {
        Set<String> targets = new HashSet<>();
        for (String t : backwardTo) {
            targets.add(resolve(t));
        }
        return Tape.record(this, feeds, targets, hooks);
    }

    /**
     * The shape of every value for inputs of {@code inputShapes}, from {@link Layer#outputShape}
     * alone: nothing runs and nothing is allocated. A value below a layer that cannot tell is
     * absent. Throws, naming the node, where a layer refuses its input shapes.
     */
    public Map<String, long[]> shapes(Map<String, long[]> inputShapes) {
        Map<String, long[]> shapes = new LinkedHashMap<>(inputShapes);
        for (Node node : nodes) {
            long[] y = outputShape(node, shapes);
            if (y != null) {
                shapes.put(node.name(), y);
            }
        }
        return shapes;
    }

    /** The shapes of {@code node}'s inputs among those known so far; null when one is unknown. */
    static long[][] inputShapes(Node node, Map<String, long[]> shapes) {
        long[][] x = new long[node.inputs().size()][];
        for (int k = 0; k < x.length; k++) {
            x[k] = shapes.get(node.inputs().get(k));
            if (x[k] == null) {
                return null;
            }
        }
        return x;
    }

    /** The output shape of {@code node} given the shapes known so far; null when an input's or its own is unknown. */
    static long[] outputShape(Node node, Map<String, long[]> shapes) {
        long[][] x = inputShapes(node, shapes);
        if (x == null) {
            return null;
        }
        try {
            return node.layer().outputShape(x);
        } catch (RuntimeException e) {
            // The words the forward pass would have used, before anything is allocated.
            List<String> in = new ArrayList<>();
            for (long[] s : x) {
                in.add(java.util.Arrays.toString(s));
            }
            throw new IllegalStateException("node '" + node.name() + "' (" + node.layer().describe() + ") failed on input "
                    + "shapes " + in + ": " + e.getMessage(), e);
        }
    }

    /** Inference on the single input: the first graph output. */
    public INDArray predict(INDArray x) {
        return run(Map.of(singleInput(), x), List.of(outputs.get(0))).get(outputs.get(0));
    }

    /**
     * Inference that keeps only the values named in {@code keep} (outputs or intermediate
     * nodes) and frees every other activation right after its last use.
     */
    public Map<String, INDArray> run(Map<String, INDArray> feeds, Collection<String> keep) {
        return run(feeds, keep, Hooks.NONE);
    }

    /** As {@link #run(Map, Collection)}, calling the forward hooks of {@code hooks}. */
    public Map<String, INDArray> run(Map<String, INDArray> feeds, Collection<String> keep, Hooks hooks) {
        List<String> resolved = keep.stream().map(this::resolve).toList();
        Map<String, INDArray> kept = Tape.infer(this, feeds, Set.copyOf(resolved), hooks);
        Map<String, INDArray> byRequest = new LinkedHashMap<>();
        for (String k : keep) {
            byRequest.put(k, kept.get(resolve(k)));
        }
        return byRequest;
    }

    private String singleInput() {
        if (inputs.size() != 1) {
            throw new IllegalStateException("the graph has " + inputs.size() + " inputs; pass a map of feeds");
        }
        return inputs.get(0).name();
    }

    /** The same nodes with one node's layer replaced. */
    public Graph withLayer(String node, Layer<?> layer) {
        String name = node(node).name();
        List<Node> replaced = nodes.stream()
                .map(n -> n.name().equals(name) ? new Node(name, layer, n.inputs()) : n)
                .toList();
        return new Graph(inputs, replaced, outputs, aliases);
    }
}
