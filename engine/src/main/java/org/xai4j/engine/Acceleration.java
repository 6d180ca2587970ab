package org.xai4j.engine;

import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.function.Supplier;
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
 *
 * <p>Compiled plans are kept here, per graph (weakly: a graph that is no longer reachable has its
 * plans closed), input shape, requested values and rectifier rules. A pass leases a plan for its
 * duration: an inference pass for its run, a pass recorded for a backward until its tape is
 * closed (the plan holds that pass's activations). At most {@link #PLANS_PER_KEY} plans of one
 * kind exist at a time; a thread that finds them all leased waits for one, so sixteen threads on
 * a 2-core machine share two plans instead of compiling sixteen (a ResNet-50 backward plan holds
 * about 450 MB). Results do not depend on which plan instance ran. A thread that already holds a
 * backward plan of the graph does not wait (it could wait for itself) and runs that pass node by
 * node. {@link #release(Graph)} closes a graph's idle plans at once.
 */
public final class Acceleration {
    private static volatile String unavailable = "none on the class path";
    private static final Accelerator BACKEND = load();
    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty("xai4j.accelerate", "true"));

    /** Idle plans kept per graph; the least recently used beyond this is closed. */
    static final int PLANS_PER_GRAPH = 6;

    /** Stretches remembered per graph (each a kind of pass: its wanted values, recorded nodes, direction). */
    static final int STRETCHES_PER_GRAPH = 32;

    /**
     * Plans of one kind (graph, stretch, shape, outputs, rules) that may exist at once: the
     * machine's cores by default (each pass already uses every core through oneDNN's threads),
     * {@code -Dxai4j.plans.concurrent=N} otherwise.
     */
    static final int PLANS_PER_KEY = Math.max(1, Integer.getInteger("xai4j.plans.concurrent",
            Runtime.getRuntime().availableProcessors()));

    private static final Map<Graph, Plans> PLANS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final Cleaner CLEANER = Cleaner.create();

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

    /** Closes the compiled plans of {@code graph} that no pass holds; held ones close when released. */
    public static void release(Graph graph) {
        Plans p = PLANS.remove(graph);
        if (p != null) {
            p.close();
        }
    }

    static List<String> describePlans(Graph graph) {
        Plans p = PLANS.get(graph);
        return p == null ? List.of() : p.describe();
    }

    private static Plans plansOf(Graph graph) {
        synchronized (PLANS) {
            Plans p = PLANS.get(graph);
            if (p == null) {
                p = new Plans();
                PLANS.put(graph, p);
                CLEANER.register(graph, p::close); // the action holds the plans, never the graph
            }
            return p;
        }
    }

    /**
     * What a plan computed: how many leading nodes it ran, the values it handed back, and, for a
     * plan compiled for backward, the lease on that plan (given back when the tape closes) and the
     * number of its run.
     */
    record Stretch(int length, Map<String, INDArray> values, Lease lease, long run) {
        static final Stretch NONE = new Stretch(0, Map.of(), null, 0);

        /** The plan that takes this stretch's backward, or null. */
        Accelerator.Plan plan() {
            return lease == null ? null : lease.plan();
        }

        /** Gives the plan back to the pool (a backward plan's stretch; idempotent). */
        void release() {
            if (lease != null) {
                lease.close();
            }
        }
    }

    /**
     * The accelerated stretch of a pass that records for a backward to {@code backwardTo} (null:
     * to anything, so every node is recorded and nothing is accelerated). A backward to the graph
     * input alone may run the leading stretch and its backward as one plan; a backward to inner
     * values runs, unrecorded, what lies before them.
     */
    static Stretch forRecord(Graph graph, Map<String, INDArray> feeds, Set<String> backwardTo, Hooks hooks) {
        if (backwardTo == null) {
            return Stretch.NONE;
        }
        if (graph.inputs().size() == 1 && backwardTo.equals(Set.of(graph.inputs().get(0).name()))) {
            return runForBackward(graph, feeds, hooks);
        }
        Set<String> recorded = graph.downstreamOf(backwardTo);
        recorded.removeAll(backwardTo);
        return run(graph, feeds, backwardTo, recorded, hooks);
    }

    /**
     * Runs the accelerated stretch of a pass, if any.
     *
     * @param keep values the caller asked for by name
     * @param recorded nodes whose forward must run in the engine because backward will visit them
     */
    static Stretch run(Graph graph, Map<String, INDArray> feeds, Set<String> keep, Set<String> recorded, Hooks hooks) {
        return stretch(graph, feeds, keep, recorded, false, hooks);
    }

    /**
     * Runs the leading stretch of a pass whose backward goes to the graph input, with a plan that
     * can take that stretch's backward too (nodes without forward hooks, and without backward
     * hooks other than the rectifier rules the backend compiles).
     */
    static Stretch runForBackward(Graph graph, Map<String, INDArray> feeds, Hooks hooks) {
        return stretch(graph, feeds, Set.of(), Set.of(), true, hooks);
    }

    private static Stretch stretch(Graph graph, Map<String, INDArray> feeds, Set<String> keep, Set<String> recorded,
                                   boolean backward, Hooks hooks) {
        if (!active() || graph.inputs().size() != 1) {
            return Stretch.NONE;
        }
        String input = graph.inputs().get(0).name();
        INDArray x = feeds.get(input);
        if (x == null || x.dataType() != DataType.FLOAT || x.rank() != 4) {
            return Stretch.NONE;
        }
        Plans plans = plansOf(graph);
        // Hooks may stop a stretch at any node, so only passes without them share what was found.
        StretchKey key = hooks.isEmpty() ? new StretchKey(keep, recorded, backward) : null;
        Discovery found = key == null ? null : plans.discovered(key);
        if (found == null) {
            found = discover(graph, keep, recorded, backward, hooks);
            if (key != null) {
                plans.remember(key, found);
            }
        }
        if (found.length() == 0) {
            return Stretch.NONE;
        }
        int ran = found.length();
        Map<String, RectifierRule> rules = found.rules();
        List<Node> stretch = graph.nodes().subList(0, ran);
        List<String> outputs = found.outputs();
        Lease lease = plans.lease(new PlanKey(ran, outputs, Arrays.toString(x.shape()), backward, rules, BACKEND.context()),
                () -> compile(stretch, input, x.shape(), new TreeSet<>(outputs), backward, rules));
        if (lease == null) {
            return Stretch.NONE;
        }
        try {
            Accelerator.Plan p = lease.plan();
            Map<String, INDArray> values = p.run(x);
            // The lease is this pass's alone, so runs() is the number of the run just made.
            return backward ? new Stretch(ran, values, lease, p.runs()) : new Stretch(ran, values, null, 0);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        } finally {
            if (!backward) {
                lease.close();
            }
        }
    }

    /** How many leading nodes a plan runs, the values it hands back, and the rectifier rules it applies. */
    record Discovery(int length, List<String> outputs, Map<String, RectifierRule> rules) {}

    /** What a stretch without hooks depends on besides the graph: the values wanted, the nodes recorded, backward or not. */
    record StretchKey(Set<String> keep, Set<String> recorded, boolean backward) {
        StretchKey {
            keep = Set.copyOf(keep); // a caller may reuse its sets
            recorded = Set.copyOf(recorded);
        }
    }

    /**
     * The stretch a plan can run: its leading nodes up to the first it cannot, shortened until it
     * hands back only values it can return. Without hooks the answer depends on the graph and
     * {@code keep}, {@code recorded} and {@code backward} alone, so {@link Plans} remembers it:
     * walking MobileNetV2's 100 nodes took 45-87 µs a pass after the plan had run (the walk finds
     * the graph's objects out of cache), 2-3% of its forward. A pass recorded for a backward to
     * inner values still works out which nodes it records ({@link #forRecord}) every time.
     */
    private static Discovery discover(Graph graph, Set<String> keep, Set<String> recorded, boolean backward, Hooks hooks) {
        List<Node> nodes = graph.nodes();
        // Rectifier rules (guided backprop, deconvnet) that the plan's backward applies itself.
        Map<String, RectifierRule> rules = new TreeMap<>();
        int length = 0;
        while (length < nodes.size() && runnable(graph, nodes.get(length), recorded, backward, rules, hooks)) {
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
        int ran = length;
        rules.keySet().removeIf(name -> graph.position(name) >= ran);
        return new Discovery(length, List.copyOf(needed), Collections.unmodifiableMap(rules)); // needed and rules: sorted
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
                                    Map<String, RectifierRule> rules, Hooks hooks) {
        if (recorded.contains(node.name()) || !BACKEND.supports(graph, node) || (backward && !BACKEND.supportsBackward(node))
                || hooks.watchesForward(node)) {
            return false;
        }
        if (backward) {
            RectifierRule rule = hooks.ruleAt(node);
            if (hooks.watchesBackward(node) || rule != null && !BACKEND.supportsRule(node, rule)) {
                return false;
            }
            if (rule != null) {
                rules.put(node.name(), rule);
            }
        }
        return true;
    }

    private static Optional<Accelerator.Plan> compile(List<Node> nodes, String input, long[] shape, Set<String> outputs,
                                                      boolean backward, Map<String, RectifierRule> rules) {
        try {
            return Optional.of(backward ? BACKEND.compileForBackward(nodes, input, shape, outputs, rules)
                    : BACKEND.compile(nodes, input, shape, outputs));
        } catch (UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /**
     * One kind of plan: a stretch of a graph, its outputs, input shape, (backward plans) its
     * rules, and the backend's context when it compiled ({@link Accelerator#context}).
     */
    record PlanKey(int length, List<String> outputs, String shape, boolean backward, Map<String, RectifierRule> rules, String context) {}

    /** A plan held by one pass; closing gives it back to its pool. */
    static final class Lease implements AutoCloseable {
        private final Plans pool;
        private final PlanKey key;
        private final Accelerator.Plan plan;
        /** The thread that leased it (a tape may be closed on another). */
        private final Thread holder = Thread.currentThread();
        private boolean closed;

        Lease(Plans pool, PlanKey key, Accelerator.Plan plan) {
            this.pool = pool;
            this.key = key;
            this.plan = plan;
        }

        Accelerator.Plan plan() {
            return plan;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                pool.giveBack(this);
            }
        }
    }

    /** A graph's compiled plans: idle ones by kind (least recently used first), and how many are leased. */
    static final class Plans {
        private static final class Kind {
            final ArrayDeque<Accelerator.Plan> idle = new ArrayDeque<>();
            int leased;
            int compiling;
            boolean uncompilable;
            /** The kind's latest plan, described when asked (a plan may change as it runs, e.g. its kernels). */
            Accelerator.Plan latest;
        }

        private final Map<PlanKey, Kind> kinds = new LinkedHashMap<>(8, 0.75f, true);
        /** Stretches found for passes without hooks ({@link #discover}); at most {@link #STRETCHES_PER_GRAPH} kept. */
        private final Map<StretchKey, Discovery> discovered = new HashMap<>();
        /** Threads holding a backward plan of this graph: they never wait for another. */
        private final Map<Thread, Integer> holders = new HashMap<>();
        private boolean closed;

        /**
         * A plan of {@code key} for this pass: an idle one, a new one while fewer than
         * {@link #PLANS_PER_KEY} exist, or the next one given back. Null when the stretch does
         * not compile, or when this thread already holds a backward plan and none is free.
         */
        Lease lease(PlanKey key, Supplier<Optional<Accelerator.Plan>> compile) {
            Kind k;
            synchronized (this) {
                k = kinds.computeIfAbsent(key, x -> new Kind());
                while (true) {
                    if (k.uncompilable || closed) {
                        return null;
                    }
                    if (!k.idle.isEmpty()) {
                        return leased(key, k, k.idle.pop());
                    }
                    if (k.leased + k.compiling < PLANS_PER_KEY) {
                        k.compiling++;
                        break;
                    }
                    if (holders.containsKey(Thread.currentThread())) {
                        return null;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return null;
                    }
                }
            }
            Optional<Accelerator.Plan> plan = Optional.empty();
            Lease lease = null;
            try {
                plan = compile.get();
            } finally {
                // The plan stops counting as compiling and starts counting as leased in one step:
                // between two steps another thread would see room for one more plan of the kind.
                synchronized (this) {
                    k.compiling--;
                    notifyAll();
                    if (plan.isEmpty()) {
                        k.uncompilable = true;
                    } else {
                        k.latest = plan.get();
                        lease = leased(key, k, plan.get());
                    }
                }
            }
            return lease;
        }

        synchronized Discovery discovered(StretchKey key) {
            return discovered.get(key);
        }

        synchronized void remember(StretchKey key, Discovery found) {
            if (discovered.size() >= STRETCHES_PER_GRAPH) {
                discovered.clear();
            }
            discovered.put(key, found);
        }

        private Lease leased(PlanKey key, Kind k, Accelerator.Plan plan) {
            k.leased++;
            if (key.backward()) {
                holders.merge(Thread.currentThread(), 1, Integer::sum);
            }
            return new Lease(this, key, plan);
        }

        private synchronized void giveBack(Lease lease) {
            Kind k = kinds.get(lease.key);
            k.leased--;
            if (lease.key.backward()) {
                holders.computeIfPresent(lease.holder, (t, n) -> n > 1 ? n - 1 : null);
            }
            if (closed) {
                lease.plan.close();
            } else {
                k.idle.push(lease.plan);
                trim();
            }
            notifyAll();
        }

        /** Closes idle plans beyond {@link #PLANS_PER_GRAPH}, least recently used kind first. */
        private void trim() {
            int idle = kinds.values().stream().mapToInt(k -> k.idle.size()).sum();
            for (Iterator<Kind> it = kinds.values().iterator(); it.hasNext() && idle > PLANS_PER_GRAPH; ) {
                Kind k = it.next();
                while (!k.idle.isEmpty() && idle > PLANS_PER_GRAPH) {
                    k.idle.removeLast().close();
                    idle--;
                }
            }
        }

        synchronized void close() {
            closed = true;
            for (Kind k : kinds.values()) {
                k.idle.forEach(Accelerator.Plan::close);
                k.idle.clear();
            }
            notifyAll();
        }

        /** One line per kind of plan, for diagnostics. */
        synchronized List<String> describe() {
            List<String> lines = new ArrayList<>();
            kinds.forEach((key, k) -> lines.add(key + ": " + (k.uncompilable ? "not compilable" : k.latest == null ? "" : k.latest.describe())));
            return Collections.unmodifiableList(lines);
        }
    }
}
