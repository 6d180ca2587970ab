package org.xai4j.engine;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A recorded forward pass: every activation and every layer cache, and the reverse walk that
 * turns a seed gradient at one node into gradients at the values asked for.
 *
 * <p>Backward visits only the nodes that lie on a path from a requested value to the seed, and
 * asks each for only the input gradients on such a path: Grad-CAM at the last block runs the
 * backward of the head alone. Gradients that fan out (a value read by two nodes, residual
 * branches) are summed here and nowhere else. Close the tape to free its activations.
 */
public final class Tape implements AutoCloseable {
    private final Graph graph;
    private final Map<String, INDArray> values;
    private final Map<String, Object> caches;
    private final Buffers owned;
    /**
     * The accelerated stretch: its nodes ran as plain inference before the recorded part (no
     * cache, values only where later nodes read them); when it carries a plan, that plan takes
     * the stretch's backward.
     */
    private final Acceleration.Stretch stretch;
    /** This pass's hooks: the forward ones ran, the backward ones and the rules apply to backward. */
    private final Hooks hooks;
    /** The thread whose pass this is ({@link Passes}). */
    private final Thread owner;
    private boolean closed;

    private Tape(Graph graph, Map<String, INDArray> values, Map<String, Object> caches, Buffers owned, Acceleration.Stretch stretch,
                 Hooks hooks, Thread owner) {
        this.graph = graph;
        this.values = values;
        this.caches = caches;
        this.owned = owned;
        this.stretch = stretch;
        this.hooks = hooks;
        this.owner = owner;
    }

    /**
     * Records a forward pass. With {@code backwardTo} null every node is recorded; otherwise only
     * the nodes downstream of those values, and the stretch before them may run accelerated.
     */
    static Tape record(Graph graph, Map<String, INDArray> feeds, Set<String> backwardTo, Hooks hooks) {
        Feeds.check(graph, feeds);
        MemoryBudget.checkRecorded(graph, Feeds.shapes(feeds), Feeds.bytesPerValue(feeds));
        Buffers owned = pinFeeds(feeds);
        pinParameters(graph, owned);
        Thread owner = Passes.begin(); // until close: the tape holds this pass's activations
        Map<String, INDArray> values = new HashMap<>(feeds);
        Map<String, Object> caches = new HashMap<>();
        List<Node> nodes = graph.nodes();
        Acceleration.Stretch stretch = Acceleration.Stretch.NONE;
        try {
            // The one seam: an accelerator may run the leading stretch that this pass need not record.
            stretch = Acceleration.forRecord(graph, feeds, backwardTo, hooks);
            take(stretch, values, owned);
            for (Node node : nodes.subList(stretch.length(), nodes.size())) {
                Layer.Forward<?> f = step(hooks, node, values);
                values.put(node.name(), f.y());
                owned.hold(f.y());
                if (f.cache() != null) {
                    caches.put(node.name(), f.cache());
                }
            }
        } catch (RuntimeException | Error e) {
            new Tape(graph, values, caches, owned, stretch, hooks, owner).close(); // frees what was made, gives the plan back
            throw e;
        }
        return new Tape(graph, values, caches, owned, stretch, hooks, owner);
    }

    /** The values an accelerated stretch handed back join the pass's values, owned by the engine. */
    private static void take(Acceleration.Stretch stretch, Map<String, INDArray> values, Buffers owned) {
        stretch.values().forEach((name, v) -> {
            values.put(name, v);
            owned.hold(v);
        });
    }

    /** Whether {@code name} is a node that ran in the accelerated stretch, unrecorded. */
    private boolean unrecorded(String name) {
        int p = graph.position(name);
        return p >= 0 && p < stretch.length();
    }

    private static IllegalArgumentException notKept(String name, String purpose) {
        return new IllegalArgumentException("'" + name + "' ran before the recorded part of this pass and was not kept; "
                + purpose);
    }

    /** Inference only: no caches, each activation freed after its last reader ran. */
    static Map<String, INDArray> infer(Graph graph, Map<String, INDArray> feeds, Set<String> keep, Hooks hooks) {
        Feeds.check(graph, feeds);
        MemoryBudget.checkInference(graph, Feeds.shapes(feeds), keep, Feeds.bytesPerValue(feeds));
        Buffers owned = pinFeeds(feeds);
        List<Node> nodes = graph.nodes();
        Map<String, INDArray> values = new HashMap<>(feeds);
        Thread owner = Passes.begin();
        try {
            Acceleration.Stretch stretch = Acceleration.run(graph, feeds, keep, Set.of(), hooks);
            take(stretch, values, owned);
            // What follows a plan's stretch runs node by node, each value freed after its last reader.
            // A pass the plan ran whole skips this bookkeeping: after the plan, walking every node
            // finds the graph's objects out of cache.
            Map<String, Integer> lastUse = new HashMap<>();
            if (stretch.length() < nodes.size()) {
                pinParameters(graph, owned);
                for (int i = 0; i < nodes.size(); i++) {
                    for (String in : nodes.get(i).inputs()) {
                        lastUse.put(in, i);
                    }
                }
            }
            for (int i = stretch.length(); i < nodes.size(); i++) {
                Node node = nodes.get(i);
                Layer.Forward<?> f = step(hooks, node, values);
                if (f.cache() instanceof Layer.OwnedCache c) {
                    c.close();
                }
                values.put(node.name(), f.y());
                owned.hold(f.y());
                for (String in : new HashSet<>(node.inputs())) {
                    if (lastUse.get(in) == i && !keep.contains(in)) {
                        owned.drop(values.remove(in));
                    }
                }
                if (!lastUse.containsKey(node.name()) && !keep.contains(node.name())) {
                    owned.drop(values.remove(node.name()));
                }
            }
            Map<String, INDArray> kept = new LinkedHashMap<>();
            for (String k : keep) {
                INDArray v = values.get(k);
                nonFinite(k, v, "value");
                kept.put(k, v);
                owned.pin(v);
            }
            return kept;
        } finally {
            owned.dropAll();
            Memory.endPass();
            Passes.end(owner);
        }
    }

    /**
     * Inputs are checked finite before a pass; a NaN or infinity in what the pass hands back then
     * comes from the model itself (an overflow, a division by zero) and must not become an answer.
     */
    private static void nonFinite(String name, INDArray v, String what) {
        String problem = Finite.describe(v);
        if (problem != null) {
            throw new IllegalStateException("the " + what + " at '" + name + "' holds " + problem + ", computed from finite "
                    + "inputs: the model overflows or divides by zero on this input, so there is no answer to give");
        }
    }

    /** A pass's buffers, the caller's feeds among them and never freed. */
    private static Buffers pinFeeds(Map<String, INDArray> feeds) {
        Buffers owned = new Buffers();
        feeds.values().forEach(owned::pin);
        return owned;
    }

    /** Parameters are never freed: a layer may hand one on as its value (an identity of a constant). */
    private static void pinParameters(Graph graph, Buffers owned) {
        for (Node n : graph.nodes()) {
            n.layer().parameters().values().forEach(owned::pin);
        }
    }

    private static Layer.Forward<?> step(Hooks hooks, Node node, Map<String, INDArray> values) {
        INDArray[] x = new INDArray[node.inputs().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = values.get(node.inputs().get(i));
        }
        Layer.Forward<?> f;
        try {
            f = node.layer().forward(x);
        } catch (RuntimeException e) {
            throw new IllegalStateException("node '" + node.name() + "' (" + node.layer().describe() + ") failed on input shapes "
                    + shapes(x) + ": " + e.getMessage(), e);
        }
        for (Hooks.Hook<ForwardHook> h : hooks.forwardHooks()) {
            if (h.where().test(node)) {
                INDArray replaced = h.hook().onForward(node, f.y());
                if (replaced != null) {
                    f = new Layer.Forward<>(replaced, f.cache());
                }
            }
        }
        return f;
    }

    private static String shapes(INDArray[] x) {
        StringBuilder s = new StringBuilder();
        for (INDArray a : x) {
            s.append(s.length() == 0 ? "" : ", ").append(a == null ? "null" : Arrays.toString(a.shape()));
        }
        return "[" + s + "]";
    }

    public Graph graph() {
        return graph;
    }

    /** The recorded value of a node or graph input (owned by the tape: copy it to keep it). */
    public INDArray value(String name) {
        checkOpen();
        String resolved = graph.resolve(name);
        INDArray v = values.get(resolved);
        if (v == null && unrecorded(resolved)) {
            throw notKept(name, "name it in forward(feeds, backwardTo) to keep it");
        }
        return v;
    }

    /**
     * The forward cache of a recorded node: what its backward will read, of the layer's own cache
     * type, or null for a layer that keeps none. Training reads batch statistics here, which a
     * training-mode batch norm computes in its forward and keeps for its backward.
     */
    public <C> C cache(String node, Class<C> type) {
        checkOpen();
        String resolved = graph.node(node).name();
        if (unrecorded(resolved)) {
            throw notKept(node, "record with forward(feeds) to read its cache");
        }
        Object c = caches.get(resolved);
        if (c != null && !type.isInstance(c)) {
            throw new IllegalArgumentException("the cache of '" + node + "' is a " + c.getClass().getName() + ", not a "
                    + type.getName());
        }
        return type.cast(c);
    }

    /** The first graph output. */
    public INDArray output() {
        return value(graph.outputs().get(0));
    }

    /** Gradients of the seed at {@code from} with respect to {@code wrt}; no parameter gradients. */
    public Gradients backward(String from, INDArray seed, Collection<String> wrt) {
        return backward(from, seed, wrt, false);
    }

    /**
     * Propagates {@code seed = dL/d(from)} back to the values in {@code wrt} (graph inputs or
     * nodes), and to every parameter on the way when {@code parameters} is set.
     */
    public Gradients backward(String from, INDArray seed, Collection<String> wrt, boolean parameters) {
        return backward(from, seed, wrt, parameters, hooks);
    }

    /**
     * As {@link #backward(String, INDArray, Collection)}, with the backward hooks and rectifier
     * rules of {@code other} instead of this pass's (Guided Grad-CAM: an ordinary backward to a
     * layer, then a guided one to the input, on one tape). A stretch that ran as a compiled
     * backward plan has its rules compiled in; this needs a tape without one.
     */
    public Gradients backward(String from, INDArray seed, Collection<String> wrt, Hooks other) {
        if (stretch.plan() != null && !other.rules().equals(hooks.rules())) {
            throw new IllegalArgumentException("this pass ran a compiled backward plan with its own rectifier rules;"
                    + " record with forward(feeds) or with these hooks for other rules");
        }
        return backward(from, seed, wrt, false, hooks.withBackwardOf(other));
    }

    private Gradients backward(String from, INDArray seed, Collection<String> wrt, boolean parameters, Hooks hooks) {
        checkOpen();
        String seedName = graph.resolve(from);
        INDArray at = values.get(seedName);
        if (at == null) {
            throw notKept(from, "a backward cannot start there");
        }
        if (!Arrays.equals(at.shape(), seed.shape())) {
            throw new IllegalArgumentException("seed gradient at '" + from + "' must have shape "
                    + Arrays.toString(at.shape()) + ", got " + Arrays.toString(seed.shape()));
        }
        Set<String> targets = new HashSet<>();
        for (String w : wrt) {
            String t = graph.resolve(w);
            if (unrecorded(t) && (stretch.plan() != null || !values.containsKey(t))) {
                throw notKept(w, "name it in forward(feeds, backwardTo) to take gradients there");
            }
            targets.add(t);
        }
        Set<String> onPath = graph.upstreamOf(seedName);
        Set<String> starts = new HashSet<>(targets);
        if (parameters) {
            for (Node n : graph.nodes()) {
                if (!n.layer().parameters().isEmpty()) {
                    starts.add(n.name());
                }
            }
        }
        Set<String> fromTargets = graph.downstreamOf(starts);

        Buffers scratch = new Buffers();
        values.values().forEach(scratch::pin);
        scratch.pin(seed);
        Map<String, INDArray> grads = new HashMap<>();
        Set<String> summedHere = new HashSet<>();
        Map<String, Map<String, INDArray>> paramGrads = new LinkedHashMap<>();
        grads.put(seedName, seed);
        List<Node> nodes = graph.nodes();
        int planned = stretch.plan() != null ? stretch.length() : 0;
        for (int i = graph.position(seedName); i >= planned; i--) {
            Node node = nodes.get(i);
            INDArray dy = grads.get(node.name());
            if (dy == null || !onPath.contains(node.name())) {
                continue;
            }
            boolean wantParams = parameters && !node.layer().parameters().isEmpty();
            boolean[] needIn = new boolean[node.inputs().size()];
            boolean any = false;
            for (int k = 0; k < needIn.length; k++) {
                needIn[k] = fromTargets.contains(node.inputs().get(k));
                any |= needIn[k];
            }
            if (!any && !wantParams) {
                continue;
            }
            if (unrecorded(node.name())) {
                throw new IllegalArgumentException("backward needs node '" + node.name() + "', which this tape did not record:"
                        + " the forward pass was recorded for a backward to later nodes only; record with forward(feeds) or"
                        + " name the wanted values in forward(feeds, backwardTo)");
            }
            Layer.Backward b = backwardOf(node, dy, new Need(needIn, wantParams));
            INDArray[] dx = b.dx();
            RectifierRule rule = hooks.ruleAt(node);
            if (rule != null && needIn[0] && dx[0] != null) {
                dx = dx.clone();
                dx[0] = rule.apply(dy, dx[0]);
            }
            for (Hooks.Hook<BackwardHook> h : hooks.backwardHooks()) {
                if (h.where().test(node)) {
                    INDArray[] replaced = h.hook().onBackward(node, dy, dx);
                    if (replaced != null) {
                        dx = replaced;
                    }
                }
            }
            for (int k = 0; k < needIn.length; k++) {
                if (needIn[k] && dx[k] != null) {
                    accumulate(grads, summedHere, scratch, node.inputs().get(k), dx[k]);
                }
            }
            if (wantParams) {
                b.dParameters().values().forEach(scratch::pin);
                paramGrads.put(node.name(), b.dParameters());
            }
        }
        if (planned > 0) {
            planBackward(grads, summedHere, scratch, parameters);
        }
        Map<String, INDArray> result = new LinkedHashMap<>();
        try {
            for (String t : targets) {
                INDArray g = grads.get(t);
                if (g == null) {
                    g = Nd4j.zerosLike(values.get(t));
                }
                nonFinite(t, g, "gradient");
                scratch.pin(g);
                result.put(t, g);
            }
        } finally {
            scratch.dropAll();
        }
        return new Gradients(graph, result, paramGrads);
    }

    /** The accelerated stretch's backward: gradients at its outputs in, gradient at the input out. */
    private void planBackward(Map<String, INDArray> grads, Set<String> summedHere, Buffers scratch, boolean parameters) {
        if (parameters) {
            for (Node n : graph.nodes().subList(0, stretch.length())) {
                if (!n.layer().parameters().isEmpty()) {
                    throw new IllegalArgumentException("parameter gradients need every node recorded: record with forward(feeds),"
                            + " not forward(feeds, backwardTo)");
                }
            }
        }
        Map<String, INDArray> atOutputs = new LinkedHashMap<>();
        for (String out : stretch.values().keySet()) {
            INDArray g = grads.get(out);
            if (g != null) {
                atOutputs.put(out, g);
            }
        }
        if (atOutputs.isEmpty()) {
            return;
        }
        INDArray dx = stretch.plan().backward(stretch.run(), atOutputs);
        accumulate(grads, summedHere, scratch, graph.inputs().get(0).name(), dx);
    }

    @SuppressWarnings("unchecked")
    private <C> Layer.Backward backwardOf(Node node, INDArray dy, Need need) {
        Layer<C> layer = (Layer<C>) node.layer();
        try {
            return layer.backward((C) caches.get(node.name()), dy, need);
        } catch (RuntimeException e) {
            throw new IllegalStateException("backward of node '" + node.name() + "' (" + layer.describe() + ") failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The one place where fan-out gradients are summed. A layer may return {@code dy} itself
     * (identity, add), so the first contribution is stored as is and the second goes into a
     * fresh sum that this method owns; later ones are added in place.
     */
    private static void accumulate(Map<String, INDArray> grads, Set<String> summedHere, Buffers scratch,
                                   String name, INDArray dx) {
        INDArray prev = grads.get(name);
        if (prev == null) {
            grads.put(name, dx);
            scratch.hold(dx);
        } else if (summedHere.contains(name)) {
            prev.addi(dx);
        } else {
            INDArray sum = Memory.uninitialized(prev.dataType(), prev.shape());
            Nd4j.exec(new AddOp(prev, dx, sum));
            grads.put(name, sum);
            summedHere.add(name);
            scratch.hold(sum);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the tape is closed");
        }
    }

    /** Frees every activation and cache this tape allocated. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Object c : caches.values()) {
            if (c instanceof Layer.OwnedCache owned) {
                owned.close();
            }
        }
        owned.dropAll();
        stretch.release();
        Memory.endPass();
        Passes.end(owner);
        values.clear();
        caches.clear();
    }
}
