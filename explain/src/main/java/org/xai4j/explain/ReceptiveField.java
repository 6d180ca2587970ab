package org.xai4j.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Identity;
import org.xai4j.layers.LeakyReLU;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.PoolGeometry;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Sigmoid;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.Tanh;

/**
 * Where a change confined to some rectangles of the input can reach, node by node: the plan of
 * {@link ReceptiveFieldOcclusion}. For every value of the graph's early part (the <em>local</em>
 * nodes) and every occluded square it holds the rectangle that can differ from the clean pass
 * (the square's receptive-field image: exact geometry, not an estimate), and a box of one fixed
 * size per value that contains it, so that the boxes of all squares run as one batch.
 * <pre>
 *   window op (conv, pooling)  output rows o with [o s - pad, o s - pad + (k - 1) d] meeting the changed rows [a, b):
 *                              ceil((a + pad - (k - 1) d) / s) <= o <= floor((b - 1 + pad) / s), clamped to the map
 *   pointwise op, Add          the union of its inputs' rectangles
 * </pre>
 * A node is local when its layer is one of these (convolutions, max pooling, average pooling
 * without padding or counting it, batch norm, ReLU, Clip, LeakyReLU, sigmoid, tanh, identity,
 * same-shape Add; a specialized layer counts as its reference layer), all its inputs are local
 * (or the graph input), its output is 4-D and not the logits, and its box covers at most
 * {@link #LOCAL_FRACTION} of its map. The local part then ends at the last value that is the only
 * one the other nodes read (a ResNet block's output), where there is one: the rest of the graph
 * ({@link #rest}) then has one input, so an accelerator can compile it. The local nodes run as
 * {@link Step}s, each a small graph of fixed shapes.
 */
final class ReceptiveField {
    /**
     * Beyond this share of a map the box, its halo and the copies cost about what the whole map
     * does in a compiled plan: the rest runs in full from there. {@code OcclusionBenchmark} (patch
     * 32, stride 16, batch 8, every part in oneDNN plans, the residual Adds in Java; medians of 5
     * calls on a quiet 2-core host): 0.3 took 3.68 s on ResNet-50 and 1.26 s on ResNet-18, 0.2 took
     * 3.71 and 1.40 s, the plain method 3.45 and 1.52 s. On ResNet-50, 0.3 cuts after layer2.3,
     * where a box with its halo is over a third of its map.
     */
    static final double LOCAL_FRACTION = 0.3;

    /** Rows [r0, r1) and columns [c0, c1). */
    record Box(int r0, int r1, int c0, int c1) {
        Box union(Box o) {
            return new Box(Math.min(r0, o.r0), Math.max(r1, o.r1), Math.min(c0, o.c0), Math.max(c1, o.c1));
        }
    }

    /**
     * A window op made local: kernel, stride, dilation and the pads it has on the whole map, and
     * the same op with no padding, which runs on crops cut from the map padded with {@code padValue}.
     */
    record Window(int kh, int kw, int sh, int sw, int dh, int dw, int padTop, int padLeft, double padValue, Layer<?> valid) {}

    /**
     * A value of the local part: {@code C x h x w}; per square its changed rectangle and the
     * origin of its box of {@code bh x bw}; for a node, its window op (null when pointwise).
     */
    record Value(String name, int C, int h, int w, int bh, int bw, Box[] changed, int[] top, int[] left, Node node, Window window) {}

    /**
     * Local nodes that run together on crops, as {@code graph}: a head ({@code values[0]}) and the
     * one-input nodes chained after it that map a pixel to the same pixel (pointwise ops, 1 x 1
     * convolutions), which share its box. The graph's inputs are the
     * crops of the head's inputs, named as those values and of {@code C x cropH x cropW} per
     * square: for a window op the rows {@code top s - pad .. } its valid version reads, for a
     * pointwise one the head's box itself. Its outputs are the boxes that nodes outside the step
     * read (the last value's always).
     */
    record Step(List<Value> values, Graph graph, int cropH, int cropW) {
        Value head() {
            return values.get(0);
        }

        /** The first row of square {@code k}'s crop, in the input map's coordinates (negative in the padding). */
        int cropTop(int k) {
            Window win = head().window();
            return win == null ? head().top()[k] : head().top()[k] * win.sh() - win.padTop();
        }

        int cropLeft(int k) {
            Window win = head().window();
            return win == null ? head().left()[k] : head().left()[k] * win.sw() - win.padLeft();
        }

        /** What the crops hold outside the input map: the op's own padding value. */
        double padValue() {
            return head().window() == null ? 0 : head().window().padValue();
        }
    }

    private final Map<String, Value> values;
    private final List<Step> steps;
    private final List<String> boundary;
    private final Graph rest;

    private ReceptiveField(Map<String, Value> values, List<Step> steps, List<String> boundary, Graph rest) {
        this.values = values;
        this.steps = steps;
        this.boundary = boundary;
        this.rest = rest;
    }

    /** The input value in {@link #values()} order first, then the local nodes in execution order. */
    Map<String, Value> values() {
        return values;
    }

    /** The local nodes in groups, in an order that computes every input before it is read. */
    List<Step> steps() {
        return steps;
    }

    /** The values the rest of the graph reads: its inputs. */
    List<String> boundary() {
        return boundary;
    }

    /** The nodes that are not local, as a graph whose inputs are {@link #boundary} and whose output is the logits. */
    Graph rest() {
        return rest;
    }

    /** The plan for {@code squares} (rectangles of the input [1, C, H, W]) through {@code graph} up to {@code logits}. */
    static ReceptiveField of(Graph graph, String input, long[] inputShape, String logits, List<Box> squares) {
        return of(graph, input, inputShape, logits, squares, LOCAL_FRACTION);
    }

    /** As above, with nodes local while their box covers at most {@code localFraction} of their map. */
    static ReceptiveField of(Graph graph, String input, long[] inputShape, String logits, List<Box> squares, double localFraction) {
        Map<String, long[]> shapes = graph.shapes(Map.of(input, inputShape));
        int n = squares.size();
        Map<String, Value> values = new LinkedHashMap<>();
        Box[] changed = squares.toArray(Box[]::new);
        values.put(input, boxed(input, inputShape, changed, null, null));
        List<Value> local = new ArrayList<>();
        for (Node node : graph.nodes()) {
            long[] shape = shapes.get(node.name());
            if (node.name().equals(logits) || shape == null || shape.length != 4 || shape[0] != 1
                    || !node.inputs().stream().allMatch(values::containsKey)) {
                continue;
            }
            Window window = window(node.layer(), shapes.get(node.inputs().get(0)));
            if (window == null && !pointwise(node, shapes)) {
                continue;
            }
            Box[] out = new Box[n];
            for (int k = 0; k < n; k++) {
                for (String in : node.inputs()) {
                    Box b = values.get(in).changed()[k];
                    Box o = window == null ? b : through(window, b, (int) shape[2], (int) shape[3]);
                    out[k] = out[k] == null ? o : out[k].union(o);
                }
            }
            Value v = boxed(node.name(), shape, out, node, window);
            if ((double) v.bh() * v.bw() > localFraction * v.h() * v.w()) {
                continue;
            }
            values.put(node.name(), v);
            local.add(v);
        }
        for (int length = local.size(); length > 0; length--) {
            // Where the boundary is one value, the rest has one input (an accelerator's plans take one).
            if (boundary(graph, input, local.subList(0, length)).size() == 1) {
                for (Value dropped : local.subList(length, local.size())) {
                    values.remove(dropped.name());
                }
                local = new ArrayList<>(local.subList(0, length));
                break;
            }
        }
        List<String> boundary = boundary(graph, input, local);
        Set<String> inLocal = new HashSet<>(values.keySet());
        List<Node> others = graph.nodes().stream().filter(nd -> !inLocal.contains(nd.name())).toList();
        List<Graph.Input> inputs = boundary.stream().map(b -> new Graph.Input(b, batchFree(shapes.get(b)))).toList();
        return new ReceptiveField(values, steps(graph, local, values), boundary, new Graph(inputs, others, List.of(logits)));
    }

    /** The values of the input and {@code local} that the other nodes read. */
    private static List<String> boundary(Graph graph, String input, List<Value> local) {
        Set<String> inside = new HashSet<>();
        inside.add(input);
        local.forEach(v -> inside.add(v.name()));
        Set<String> read = new LinkedHashSet<>();
        for (Node nd : graph.nodes()) {
            if (!inside.contains(nd.name())) {
                nd.inputs().stream().filter(inside::contains).forEach(read::add);
            }
        }
        List<String> boundary = new ArrayList<>();
        for (String name : names(input, local)) {
            if (read.contains(name)) {
                boundary.add(name);
            }
        }
        return boundary;
    }

    private static List<String> names(String input, List<Value> local) {
        List<String> names = new ArrayList<>(List.of(input));
        local.forEach(v -> names.add(v.name()));
        return names;
    }

    /**
     * The local nodes grouped into steps: each node that is not chained after another heads one,
     * and a node that maps a pixel to the same pixel and whose only input is the last of a step (the
     * first such reader) joins it.
     */
    private static List<Step> steps(Graph graph, List<Value> local, Map<String, Value> values) {
        Map<String, Value> taken = new HashMap<>();
        List<Step> steps = new ArrayList<>();
        for (Value head : local) {
            if (taken.containsKey(head.name())) {
                continue;
            }
            List<Value> chain = new ArrayList<>(List.of(head));
            taken.put(head.name(), head);
            // A step of several inputs (a residual Add) runs node by node, since a plan takes one
            // input: a convolution there would run in ND4J's loops, so it heads a step of its own.
            boolean convolutions = new HashSet<>(head.node().inputs()).size() == 1;
            for (Value next = follower(local, head, taken, convolutions); next != null;
                    next = follower(local, next, taken, convolutions)) {
                chain.add(next);
                taken.put(next.name(), next);
            }
            steps.add(step(graph, chain, values));
        }
        return steps;
    }

    /**
     * The first local node not yet in a step whose only input is {@code last} and that computes
     * each pixel from the same pixel: a pointwise op, or a 1 x 1 convolution of stride 1 without
     * padding (two of a ResNet bottleneck's three), which then runs on the box it reads instead of
     * a crop of its own ({@code convolutions}: whether the step may take one).
     */
    private static Value follower(List<Value> local, Value last, Map<String, Value> taken, boolean convolutions) {
        for (Value v : local) {
            if (!taken.containsKey(v.name()) && (v.window() == null || convolutions && samePixel(v.window()))
                    && v.h() == last.h() && v.w() == last.w()
                    && v.node().inputs().equals(List.of(last.name()))) {
                return v;
            }
        }
        return null;
    }

    private static boolean samePixel(Window w) {
        return w == null || w.kh() == 1 && w.kw() == 1 && w.sh() == 1 && w.sw() == 1 && w.padTop() == 0 && w.padLeft() == 0;
    }

    private static Step step(Graph graph, List<Value> chain, Map<String, Value> values) {
        Value head = chain.get(0);
        Window win = head.window();
        int ch = win == null ? head.bh() : (head.bh() - 1) * win.sh() + (win.kh() - 1) * win.dh() + 1;
        int cw = win == null ? head.bw() : (head.bw() - 1) * win.sw() + (win.kw() - 1) * win.dw() + 1;
        List<Graph.Input> inputs = new ArrayList<>();
        for (String in : new LinkedHashSet<>(head.node().inputs())) {
            inputs.add(new Graph.Input(in, new long[] {-1, values.get(in).C(), ch, cw}));
        }
        List<Node> nodes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Value v : chain) {
            nodes.add(v == head && win != null ? new Node(v.name(), win.valid(), v.node().inputs()) : v.node());
            names.add(v.name());
        }
        List<String> outputs = new ArrayList<>();
        for (Value v : chain) {
            boolean readOutside = graph.outputs().contains(v.name()) || graph.nodes().stream()
                    .anyMatch(nd -> !names.contains(nd.name()) && nd.inputs().contains(v.name()));
            if (readOutside || v == chain.get(chain.size() - 1)) {
                outputs.add(v.name());
            }
        }
        return new Step(List.copyOf(chain), new Graph(inputs, nodes, outputs), ch, cw);
    }

    private static long[] batchFree(long[] shape) {
        long[] s = shape.clone();
        s[0] = -1;
        return s;
    }

    /** A value whose boxes are the smallest size holding every square's rectangle, moved inside the map where needed. */
    private static Value boxed(String name, long[] shape, Box[] changed, Node node, Window window) {
        int h = (int) shape[2];
        int w = (int) shape[3];
        int bh = 1;
        int bw = 1;
        for (Box b : changed) {
            bh = Math.max(bh, b.r1() - b.r0());
            bw = Math.max(bw, b.c1() - b.c0());
        }
        int[] top = new int[changed.length];
        int[] left = new int[changed.length];
        for (int k = 0; k < changed.length; k++) {
            top[k] = Math.max(0, Math.min(changed[k].r0(), h - bh));
            left[k] = Math.max(0, Math.min(changed[k].c0(), w - bw));
        }
        return new Value(name, (int) shape[1], h, w, bh, bw, changed, top, left, node, window);
    }

    /** The output rectangle a window op can change from input rectangle {@code b}. */
    private static Box through(Window win, Box b, int OH, int OW) {
        return new Box(first(b.r0(), win.padTop(), win.kh(), win.sh(), win.dh()), last(b.r1(), win.padTop(), win.sh(), OH),
                first(b.c0(), win.padLeft(), win.kw(), win.sw(), win.dw()), last(b.c1(), win.padLeft(), win.sw(), OW));
    }

    private static int first(int a, int pad, int k, int s, int d) {
        return Math.max(0, Math.floorDiv(a + pad - (k - 1) * d + s - 1, s));
    }

    private static int last(int b, int pad, int s, int out) {
        return Math.min(out, Math.floorDiv(b - 1 + pad, s) + 1);
    }

    /** The window op of a convolution or a pooling layer that can run on padded crops, else null. */
    private static Window window(Layer<?> specialized, long[] in) {
        if (in == null || in.length != 4) {
            return null;
        }
        Layer<?> layer = Specialization.reference(specialized);
        if (layer instanceof Conv2d conv) {
            ConvSpec s = conv.spec();
            Conv2d.Plan p = conv.plan((int) in[2], (int) in[3]);
            return new Window((int) conv.weight().size(2), (int) conv.weight().size(3), s.strideH(), s.strideW(), s.dilationH(),
                    s.dilationW(), p.top(), p.left(), 0,
                    Specialization.like(specialized, new Conv2d(conv.weight(), conv.bias(), s.withPadding(0, 0, 0, 0))));
        }
        PoolSpec s;
        double pad;
        Layer<?> valid;
        if (layer instanceof MaxPool2d pool) {
            s = pool.spec();
            // The lowest float32 rather than -inf, which the engine refuses in a feed. It never wins a
            // window: every window holds a value of the map (checked below).
            pad = -Float.MAX_VALUE;
            valid = Specialization.like(specialized, new MaxPool2d(s.withPadding(0, 0, 0, 0)));
        } else if (layer instanceof AvgPool2d pool) {
            s = pool.spec();
            pad = 0;
            valid = new AvgPool2d(s.withPadding(0, 0, 0, 0), true);
        } else {
            return null;
        }
        if (s.ceilMode()) {
            return null;
        }
        PoolGeometry g = PoolGeometry.of(s, in);
        boolean padded = g.top() + g.left() + g.bottom() + g.right() > 0;
        if (layer instanceof AvgPool2d avg && padded && !avg.countIncludePad()) {
            return null;        // windows at the border divide by fewer values: a crop cannot reproduce that
        }
        int spanH = (s.kernelH() - 1) * s.dilationH();
        int spanW = (s.kernelW() - 1) * s.dilationW();
        if (layer instanceof MaxPool2d && (g.top() > spanH || g.bottom() > spanH || g.left() > spanW || g.right() > spanW)) {
            return null;        // a window of padding alone would give -inf, which the crops' finite padding cannot
        }
        return new Window(s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), s.dilationH(), s.dilationW(), g.top(), g.left(), pad, valid);
    }

    /** Whether the node computes each pixel from the same pixel of its inputs (all of one shape). */
    private static boolean pointwise(Node node, Map<String, long[]> shapes) {
        Layer<?> l = Specialization.reference(node.layer());
        boolean elementwise = l instanceof ReLU || l instanceof Clip || l instanceof LeakyReLU || l instanceof Sigmoid
                || l instanceof Tanh || l instanceof Identity || l instanceof BatchNorm2d
                || l instanceof Add && node.inputs().size() >= 1;
        if (!elementwise) {
            return false;
        }
        long[] first = shapes.get(node.inputs().get(0));
        return node.inputs().stream().allMatch(in -> java.util.Arrays.equals(shapes.get(in), first));
    }
}
