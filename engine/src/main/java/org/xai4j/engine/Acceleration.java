package org.xai4j.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where the engine hands the first stretch of a pass to an {@link Accelerator}, when one is on
 * the class path.
 *
 * <p>The stretch is the longest run of nodes, in execution order from the start, that the
 * accelerator supports, that no forward hook watches, and whose caches the pass does not need:
 * in inference ({@link Graph#run}) that is every node; in a forward that records for a backward
 * to some nodes ({@link Graph#forward(Map, java.util.Collection)}), the nodes that are not
 * downstream of them. Grad-CAM at the last block thus runs the body of the network as one
 * compiled plan and records only the head.
 *
 * <p>On by default; {@code -Dxai4j.accelerate=false} or {@link #setEnabled} switches it off, and
 * the engine then runs every node itself (the reference path the tests compare against).
 * Compiled plans are cached per graph, input shape and requested values (a few per graph).
 */
public final class Acceleration {
    private static volatile String unavailable = "none on the class path";
    private static final Accelerator BACKEND = load();
    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty("xai4j.accelerate", "true"));

    /** Plans kept per graph; the least recently used beyond this is closed. */
    static final int PLANS_PER_GRAPH = 6;

    private Acceleration() {}

    private static Accelerator load() {
        try {
            return ServiceLoader.load(Accelerator.class).findFirst().orElse(null);
        } catch (RuntimeException | java.util.ServiceConfigurationError | LinkageError e) {
            // A backend whose native library cannot load on this machine: run node by node.
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            unavailable = e.getMessage() + " (" + root + ")";
            return null;
        }
    }

    /** Whether an accelerator was found and is switched on. */
    public static boolean active() {
        return enabled && BACKEND != null;
    }

    /** The accelerator in use, or why there is none. */
    public static String describe() {
        return BACKEND != null ? BACKEND.getClass().getName() + (enabled ? "" : " (switched off)") : "no accelerator: " + unavailable;
    }

    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /**
     * What a plan computed: how many leading nodes it ran, the values it handed back, and, for a
     * plan compiled for backward, the plan and the number of its run.
     */
    record Stretch(int length, Map<String, INDArray> values, Accelerator.Plan plan, long run) {
        static final Stretch NONE = new Stretch(0, Map.of(), null, 0);
    }

    /**
     * Runs the accelerated stretch of a pass, if any.
     *
     * @param keep values the caller asked for by name
     * @param recorded nodes whose forward must run in the engine because backward will visit them
     */
    static Stretch run(Graph graph, Map<String, INDArray> feeds, Set<String> keep, Set<String> recorded) {
        return stretch(graph, feeds, keep, recorded, false);
    }

    /**
     * Runs the leading stretch of a pass whose backward goes to the graph input, with a plan that
     * can take that stretch's backward too (nodes without forward hooks, and without backward
     * hooks other than the rectifier rules the backend compiles).
     */
    static Stretch runForBackward(Graph graph, Map<String, INDArray> feeds) {
        return stretch(graph, feeds, Set.of(), Set.of(), true);
    }

    private static Stretch stretch(Graph graph, Map<String, INDArray> feeds, Set<String> keep, Set<String> recorded,
                                   boolean backward) {
        if (!active() || graph.inputs().size() != 1) {
            return Stretch.NONE;
        }
        String input = graph.inputs().get(0).name();
        INDArray x = feeds.get(input);
        if (x == null || x.dataType() != DataType.FLOAT || x.rank() != 4) {
            return Stretch.NONE;
        }
        List<Node> nodes = graph.nodes();
        // Rectifier rules (guided backprop, deconvnet) that the plan's backward applies itself.
        Map<String, RectifierRule.Kind> rules = new TreeMap<>();
        int length = 0;
        while (length < nodes.size() && runnable(graph, nodes.get(length), recorded, backward, rules)) {
            length++;
        }
        Set<String> needed = outputs(graph, length, keep);
        // A value the plan cannot hand back (a Pad folded into its readers) ends the stretch early.
        for (int i = 0; i < length; i++) {
            if (needed.contains(nodes.get(i).name()) && !BACKEND.canReturn(nodes.get(i))) {
                length = i;
                needed = outputs(graph, length, keep);
                i = -1;
            }
        }
        Set<String> outputs = needed;
        if (length == 0) {
            return Stretch.NONE;
        }
        int ran = length;
        rules.keySet().removeIf(name -> graph.position(name) >= ran);
        List<Node> stretch = nodes.subList(0, length);
        // A backward plan keeps the state of its last run until the backward: one per thread.
        long thread = backward ? Thread.currentThread().getId() : -1;
        Optional<Accelerator.Plan> plan = graph.plans().get(
                new PlanKey(length, List.copyOf(outputs), Arrays.toString(x.shape()), thread, Map.copyOf(rules)),
                k -> compile(stretch, input, x.shape(), outputs, backward, rules));
        if (plan.isEmpty()) {
            return Stretch.NONE;
        }
        Accelerator.Plan p = plan.get();
        Map<String, INDArray> values = p.run(x);
        // Only this thread runs a backward plan, so runs() is the number of the run just made.
        return new Stretch(ran, values, backward ? p : null, p.runs());
    }

    /** The values of the first {@code length} nodes that later nodes, the caller or the graph's outputs need. */
    private static Set<String> outputs(Graph graph, int length, Set<String> keep) {
        List<Node> nodes = graph.nodes();
        Set<String> inStretch = new HashSet<>();
        for (int i = 0; i < length; i++) {
            inStretch.add(nodes.get(i).name());
        }
        Set<String> outputs = new TreeSet<>();
        for (int i = length; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                if (inStretch.contains(in)) {
                    outputs.add(in);
                }
            }
        }
        for (String k : keep) {
            if (inStretch.contains(k)) {
                outputs.add(k);
            }
        }
        for (String o : graph.outputs()) {
            if (inStretch.contains(o)) {
                outputs.add(o);
            }
        }
        return outputs;
    }

    /**
     * Whether the plan can run {@code node}: supported, unrecorded, no forward hook and, for a
     * backward plan, no backward hook other than one rectifier rule the backend compiles (added
     * to {@code rules}).
     */
    private static boolean runnable(Graph graph, Node node, Set<String> recorded, boolean backward,
                                    Map<String, RectifierRule.Kind> rules) {
        if (recorded.contains(node.name()) || !BACKEND.supports(graph, node) || (backward && !BACKEND.supportsBackward(node))) {
            return false;
        }
        for (Graph.Hook<ForwardHook> h : graph.forwardHooks()) {
            if (h.where().test(node)) {
                return false;
            }
        }
        if (backward) {
            RectifierRule.Kind rule = null;
            for (Graph.Hook<BackwardHook> h : graph.backwardHooks()) {
                if (h.where().test(node)) {
                    if (rule != null || !(h.hook() instanceof RectifierRule r) || !BACKEND.supportsRule(node, r.kind())) {
                        return false;
                    }
                    rule = r.kind();
                }
            }
            if (rule != null) {
                rules.put(node.name(), rule);
            }
        }
        return true;
    }

    private static Optional<Accelerator.Plan> compile(List<Node> nodes, String input, long[] shape, Set<String> outputs,
                                                      boolean backward, Map<String, RectifierRule.Kind> rules) {
        try {
            return Optional.of(backward ? BACKEND.compileForBackward(nodes, input, shape, outputs, rules)
                    : BACKEND.compile(nodes, input, shape, outputs));
        } catch (UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code thread} is -1 for inference plans, the owning thread's id for backward plans;
     * {@code rules}: the rectifier rules compiled into a backward plan, by node.
     */
    record PlanKey(int length, List<String> outputs, String shape, long thread, Map<String, RectifierRule.Kind> rules) {}

    /** A graph's compiled plans, least recently used first; evicted plans are closed. */
    static final class Plans {
        private final Map<PlanKey, Optional<Accelerator.Plan>> byKey = new LinkedHashMap<>(8, 0.75f, true);

        synchronized Optional<Accelerator.Plan> get(PlanKey key, java.util.function.Function<PlanKey, Optional<Accelerator.Plan>> make) {
            Optional<Accelerator.Plan> p = byKey.get(key);
            if (p == null) {
                p = make.apply(key);
                byKey.put(key, p);
                while (byKey.size() > PLANS_PER_GRAPH) {
                    PlanKey eldest = byKey.keySet().iterator().next();
                    byKey.remove(eldest).ifPresent(Accelerator.Plan::close);
                }
            }
            return p;
        }

        /** One line per cached plan, for diagnostics. */
        synchronized List<String> describe() {
            List<String> lines = new ArrayList<>();
            byKey.forEach((k, p) -> lines.add(k + ": " + p.map(Accelerator.Plan::describe).orElse("not compilable")));
            return Collections.unmodifiableList(lines);
        }
    }
}
