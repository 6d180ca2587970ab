package org.xai4j.engine;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many bytes of arrays a pass may plan to hold at once, and the check that a pass stays
 * under it before anything is allocated.
 *
 * <p>Shapes come from the model file, and a file may declare an input of 1x3x100000x100000 or
 * pads of 100000: allocated, that is hundreds of gigabytes, and ND4J's native code dies on the
 * failed malloc (or the kernel kills the process) instead of throwing. So before a pass the
 * engine walks the graph with {@link Layer#outputShape} alone, replays what the pass will hold
 * (inference frees each value after its last reader; a recorded pass keeps every value, and its
 * backward about as much again in gradients) and refuses, naming the node and its shape, when the
 * peak exceeds the budget.
 *
 * <p>The budget: the system property {@value #PROPERTY} or the environment variable
 * {@value #ENVIRONMENT} ({@code 8g}, {@code 512m}, plain bytes), else {@link #machineDefault()}.
 * What is counted: the feeds, every node output (a reshape's view as if it were a copy) and,
 * at its node only, a layer's declared scratch ({@link Layer#scratchValues}: a convolution's
 * unfolded columns). Not counted: weights (in memory since the model loaded) and other kernel
 * temporaries; the default's headroom is for those.
 */
public final class MemoryBudget {
    public static final String PROPERTY = "xai4j.memoryBudget";
    public static final String ENVIRONMENT = "XAI4J_MEMORY_BUDGET";

    /** A pass, or one array, that would not fit the budget. */
    public static final class Exceeded extends IllegalStateException {
        Exceeded(String message) {
            super(message);
        }
    }

    private MemoryBudget() {}

    /** The budget in bytes: the property, else the environment variable, else the machine's default. */
    public static long bytes() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return parse(p, "-D" + PROPERTY);
        }
        String e = System.getenv(ENVIRONMENT);
        if (e != null && !e.isBlank()) {
            return parse(e, ENVIRONMENT);
        }
        return MachineDefault.BYTES;
    }

    /** Read once: the operating system is asked on the first pass, not on every one. */
    private static final class MachineDefault {
        static final long BYTES = machineDefault();
    }

    /**
     * Half of physical memory (the container's limit inside one) minus the Java heap's maximum, at
     * least 256 MB. The heap is subtracted because it can grow to its maximum beside the arrays
     * (ND4J's buffers live outside it). Half, because the plan counts only the arrays it knows
     * of: compiled plans' blocked layouts, kernel temporaries other than convolution columns and
     * the native libraries come on top (the Teachable Machine model at 9999x9999, planned at under
     * 11 GiB before convolution columns were counted, was killed by the kernel at 23.9 GB resident).
     * On a 23 GB machine with the default quarter-of-memory heap: 5.9 GiB.
     */
    public static long machineDefault() {
        long physical = physicalMemory();
        long heap = Runtime.getRuntime().maxMemory();
        long floor = 256L << 20;
        return physical <= 0 ? 4L << 30 : Math.max(floor, physical / 2 - heap);
    }

    private static long physicalMemory() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize();
            }
        } catch (RuntimeException | LinkageError e) {
            // A JVM without the com.sun extension: the caller falls back to a fixed default.
        }
        return -1;
    }

    private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([kmgt]?)b?");

    /** "8g", "512M", "1.5g", "1000000": bytes (binary units, as -Xmx reads them); a clear error naming {@code where} otherwise. */
    static long parse(String value, String where) {
        java.util.regex.Matcher m = SIZE.matcher(value.strip().toLowerCase(Locale.ROOT));
        double bytes = -1;
        if (m.matches()) {
            int shift = "kmgt".indexOf(m.group(2).isEmpty() ? "?" : m.group(2)) + 1;
            bytes = Double.parseDouble(m.group(1)) * (1L << (10 * shift));
        }
        if (!(bytes >= 1) || bytes >= Long.MAX_VALUE) {
            throw new IllegalArgumentException(where + "=" + value + " is not a memory size; accepted: a positive "
                    + "number of bytes with an optional k, m, g or t suffix, e.g. 8g");
        }
        return (long) bytes;
    }

    /**
     * Checks an inference pass ({@link Graph#run}) on inputs of {@code inputShapes}: values are
     * freed after their last reader unless {@code keep} names them.
     */
    public static void checkInference(Graph graph, Map<String, long[]> inputShapes, Collection<String> keep, int bytesPerValue) {
        checkOnce(graph, inputShapes, Set.copyOf(keep), false, bytesPerValue);
    }

    /** Checks a recorded pass ({@link Graph#forward}): every value kept, and its gradient in backward. */
    public static void checkRecorded(Graph graph, Map<String, long[]> inputShapes, int bytesPerValue) {
        checkOnce(graph, inputShapes, Set.of(), true, bytesPerValue);
    }

    /** A pass that fitted: the same graph on the same shapes, under the same budget, fits again. */
    private record Fitted(Map<String, List<Long>> shapes, Set<String> keep, boolean recorded, int bytesPerValue, long budget) {}

    /** Passes that fitted, per graph (a graph's nodes and their shapes never change); a few dozen kept. */
    private static final Map<Graph, Set<Fitted>> FITTED = Collections.synchronizedMap(new WeakHashMap<>());
    private static final int FITTED_PER_GRAPH = 32;

    /**
     * The check, once per graph, shapes and budget: walking a ResNet-50's shapes took 0.7 ms, a
     * fortieth of its forward pass, and every pass of a perturbation method asks again.
     */
    private static void checkOnce(Graph graph, Map<String, long[]> inputShapes, Set<String> keep, boolean recorded, int bytesPerValue) {
        long budget = bytes();
        Map<String, List<Long>> shapes = new HashMap<>();
        inputShapes.forEach((name, shape) -> shapes.put(name, Arrays.stream(shape).boxed().toList()));
        Fitted pass = new Fitted(shapes, keep, recorded, bytesPerValue, budget);
        Set<Fitted> fitted = FITTED.computeIfAbsent(graph, g -> ConcurrentHashMap.newKeySet());
        if (fitted.contains(pass)) {
            return;
        }
        check(graph, inputShapes, keep, recorded, bytesPerValue, budget);
        if (fitted.size() >= FITTED_PER_GRAPH) {
            fitted.clear();
        }
        fitted.add(pass);
    }

    /** Checks one array about to be allocated ({@code what} names it in the error). */
    public static void checkArray(String what, long[] shape, int bytesPerValue) {
        long budget = bytes();
        long size = size(shape, bytesPerValue);
        if (size > budget) {
            throw new Exceeded(what + " " + Arrays.toString(shape) + " would take " + format(size) + ", over the memory budget of "
                    + format(budget) + howToSet());
        }
    }

    /** The check itself, with the budget given (tests use small budgets). */
    static void check(Graph graph, Map<String, long[]> inputShapes, Set<String> keep, boolean recorded, int bytesPerValue,
                      long budget) {
        Map<String, Long> live = new HashMap<>();
        long held = 0;
        for (Map.Entry<String, long[]> in : inputShapes.entrySet()) {
            long size = size(in.getValue(), bytesPerValue);
            held = add(held, size);
            if (held > budget) {
                throw new Exceeded("input '" + in.getKey() + "' " + Arrays.toString(in.getValue()) + " would take " + format(size)
                        + ", over the memory budget of " + format(budget) + howToSet());
            }
            live.put(in.getKey(), size);
        }
        // Shapes node by node, so that a node over the budget is named before a later one fails on its shapes.
        Map<String, long[]> shapes = new HashMap<>(inputShapes);
        List<Node> nodes = graph.nodes();
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                lastUse.put(in, i);
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            long[] y = Graph.outputShape(node, shapes);
            if (y == null) {
                continue;
            }
            shapes.put(node.name(), y);
            long size = size(y, bytesPerValue);
            // A recorded pass keeps every value, and its backward holds a gradient of each until it ends.
            long planned = recorded ? add(size, size) : size;
            held = add(held, planned);
            long scratch = Math.max(0, node.layer().scratchValues(Graph.inputShapes(node, shapes)));
            long peak = add(held, scratch > Long.MAX_VALUE / bytesPerValue ? Long.MAX_VALUE : scratch * bytesPerValue);
            if (peak > budget) {
                throw new Exceeded("node '" + node.name() + "' (" + node.layer().describe() + ") would output "
                        + Arrays.toString(y) + ", " + format(size) + ", and with its kernel's scratch the pass would hold "
                        + format(peak) + " at that point; that is over the memory budget of " + format(budget) + howToSet());
            }
            if (held > budget) {
                throw new Exceeded("node '" + node.name() + "' (" + node.layer().describe() + ") would output "
                        + Arrays.toString(y) + ", " + format(size)
                        + (held > size ? ", and the pass would hold " + format(held) + " at that point" : "")
                        + (recorded ? " counting the gradients of a backward" : "") + "; that is over the memory budget of "
                        + format(budget) + howToSet());
            }
            live.put(node.name(), planned);
            if (!recorded) {
                for (String in : new HashSet<>(node.inputs())) {
                    if (lastUse.get(in) == i && !keep.contains(in) && live.containsKey(in) && !inputShapes.containsKey(in)) {
                        held -= live.remove(in);
                    }
                }
                if (!lastUse.containsKey(node.name()) && !keep.contains(node.name())) {
                    held -= live.remove(node.name());
                }
            }
        }
    }

    /** Bytes of an array of {@code shape}; Long.MAX_VALUE when the count overflows (or a dimension is negative). */
    static long size(long[] shape, int bytesPerValue) {
        long n = bytesPerValue;
        for (long d : shape) {
            if (d < 0) {
                return Long.MAX_VALUE;
            }
            if (d != 0 && n > Long.MAX_VALUE / d) {
                return Long.MAX_VALUE;
            }
            n *= d;
        }
        return n;
    }

    private static long add(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    /** "448.1 GiB", "12.0 MiB": binary units, as the budget is written ({@code 16g}, like -Xmx). */
    public static String format(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "more than 8 EiB";
        }
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String howToSet() {
        return " (set by -D" + PROPERTY + "=SIZE or " + ENVIRONMENT + "=SIZE, e.g. 16g; default: half of physical memory"
                + " minus the Java heap)";
    }
}
