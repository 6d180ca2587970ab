package org.xai4j.explain.inside;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Concat;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.GlobalMaxPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.LeakyReLU;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Pad;
import org.xai4j.layers.PoolGeometry;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Sigmoid;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.Tanh;

/**
 * Receptive fields from the graph's geometry alone: which input pixels a unit of a node can
 * depend on. Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural
 * Networks", Distill 2019.
 *
 * <p>Per axis and per value, output position {@code i} reads the input interval
 * {@code [i jump + lo, i jump + hi]} (unclipped: it may reach into the padding). The input has
 * {@code jump = 1, lo = hi = 0}; a window op (convolution, pooling) of kernel R, stride s,
 * dilation d and begin pad p maps {@code (jump, lo, hi)} to
 * <pre>(jump s,  lo - p jump,  hi + ((R - 1) d - p) jump)</pre>
 * a Pad shifts by its begin pad, elementwise ops keep it, and a value read by several branches
 * (Add, Mul, Concat) takes the union, which needs the branches' jumps equal. Global pooling, and
 * anything past a flatten, covers the union of all its input's positions: {@code jump = 0}.
 * Size {@code hi - lo + 1}, centre of position i {@code i jump + (lo + hi) / 2}.
 *
 * <p>{@link #region} is the exact region of one unit: the interval walked back node by node,
 * clipped at every value to the positions that exist, so a border unit's region leaves out
 * pixels that the last windows never read (a 1x1 stride-2 convolution of an even size never reads
 * the last row). The region is the bounding box of the pixels the unit depends on; dilated or
 * strided kernels larger than their stride leave holes inside it (see the module README).
 */
public final class ReceptiveField {

    /** One axis: position i reads {@code [i jump + lo, i jump + hi]}; jump 0: every position reads the same. */
    public record Axis(long jump, long lo, long hi) {
        public long size() {
            return hi - lo + 1;
        }

        /** The centre of position i in input pixel coordinates (pixel centres at integers). */
        public double centre(long i) {
            return i * jump + (lo + hi) / 2.0;
        }
    }

    /** The field of one value: its per-axis geometry and its spatial size. */
    public record Field(String node, String op, Axis y, Axis x, long height, long width) {}

    /** An interval [from, to] of input pixels (inclusive), or empty when {@code from > to}. */
    public record Span(long from, long to) {
        static final Span EMPTY = new Span(1, 0);

        public boolean isEmpty() {
            return from > to;
        }

        public long size() {
            return isEmpty() ? 0 : to - from + 1;
        }

        Span union(Span o) {
            return isEmpty() ? o : o.isEmpty() ? this : new Span(Math.min(from, o.from), Math.max(to, o.to));
        }

        Span clip(long size) {
            Span s = new Span(Math.max(from, 0), Math.min(to, size - 1));
            return s.isEmpty() ? EMPTY : s;
        }
    }

    /** The input pixels of one unit: rows and columns, clipped to the image, and the unclipped extent. */
    public record Region(Span rows, Span columns, Span rowsUnclipped, Span columnsUnclipped) {}

    private final Graph graph;
    private final String input;
    private final Map<String, long[]> shapes;
    private final Map<String, Field> fields = new LinkedHashMap<>();

    private ReceptiveField(Graph graph, long height, long width) {
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException("receptive fields need a graph with one input; this one has " + graph.inputs().size());
        }
        this.graph = graph;
        this.input = graph.inputs().get(0).name();
        this.shapes = graph.shapes(Map.of(input, new long[] {1, graph.inputs().get(0).shape()[1] > 0 ? graph.inputs().get(0).shape()[1] : 3, height, width}));
        fields.put(input, new Field(input, "input", new Axis(1, 0, 0), new Axis(1, 0, 0), height, width));
        for (Node n : graph.nodes()) {
            fields.put(n.name(), field(n));
        }
    }

    /** The fields of every value of {@code graph} for an input of {@code height x width} pixels. */
    public static ReceptiveField of(Graph graph, long height, long width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("receptive fields need an input of at least 1x1 pixels, got " + height + "x" + width);
        }
        return new ReceptiveField(graph, height, width);
    }

    /** Every value in execution order, the input first. */
    public List<Field> all() {
        return List.copyOf(fields.values());
    }

    /** The field of a node (a name or alias). */
    public Field field(String node) {
        return fields.get(graph.resolve(node));
    }

    private Field field(Node n) {
        long[] out = shapes.get(n.name());
        if (out == null) {
            throw new IllegalArgumentException("receptive field: the shape of node '" + n.name() + "' (" + n.layer().describe() + ") is unknown");
        }
        long h = out.length == 4 ? out[2] : 1;
        long w = out.length == 4 ? out[3] : 1;
        // Imported graphs carry faster layer forms (a fused ReLU6, a pointwise convolution): their geometry is their reference's.
        Layer<?> l = Specialization.reference(n.layer());
        Field in = fields.get(n.inputs().isEmpty() ? null : n.inputs().get(0));
        long[] inShape = n.inputs().isEmpty() ? null : shapes.get(n.inputs().get(0));
        Axis y;
        Axis x;
        if (n.inputs().isEmpty()) {
            // A constant reads no pixel.
            return new Field(n.name(), l.describe(), null, null, h, w);
        } else if (out.length != 4 || l instanceof GlobalAvgPool || l instanceof GlobalMaxPool) {
            y = whole(in.y(), in.height());
            x = whole(in.x(), in.width());
        } else if (l instanceof Conv2d c) {
            Conv2d.Plan p = c.plan((int) inShape[2], (int) inShape[3]);
            y = window(in.y(), c.weight().size(2), c.spec().strideH(), c.spec().dilationH(), p.top());
            x = window(in.x(), c.weight().size(3), c.spec().strideW(), c.spec().dilationW(), p.left());
        } else if (l instanceof MaxPool2d || l instanceof AvgPool2d) {
            PoolSpec s = l instanceof MaxPool2d m ? m.spec() : ((AvgPool2d) l).spec();
            PoolGeometry g = PoolGeometry.of(s, inShape);
            y = window(in.y(), s.kernelH(), s.strideH(), s.dilationH(), g.top());
            x = window(in.x(), s.kernelW(), s.strideW(), s.dilationW(), g.left());
        } else if (l instanceof Pad pad) {
            long[] p = pad.pads();
            y = window(in.y(), 1, 1, 1, p[2]);
            x = window(in.x(), 1, 1, 1, p[3]);
        } else if (elementwise(l)) {
            y = null;
            x = null;
            for (String i : n.inputs()) {
                Field f = fields.get(i);
                if (f.y() == null) {
                    continue;
                }
                y = union(n, y, broadcast(f.y(), f.height(), h), h);
                x = union(n, x, broadcast(f.x(), f.width(), w), w);
            }
        } else {
            throw new IllegalArgumentException("receptive field: node '" + n.name() + "' (" + l.describe() + ") has no geometry rule; "
                    + "supported: convolutions, pooling, global pooling, Pad, Add, Mul, Concat on channels, elementwise activations and batch norm");
        }
        return new Field(n.name(), l.describe(), y, x, h, w);
    }

    private static boolean elementwise(Layer<?> l) {
        return l instanceof ReLU || l instanceof Clip || l instanceof LeakyReLU || l instanceof Sigmoid || l instanceof Tanh
                || l instanceof BatchNorm2d || l instanceof Identity || l instanceof org.xai4j.layers.Add
                || l instanceof org.xai4j.layers.Mul || (l instanceof Concat c && (c.axis() == 1 || c.axis() == -3));
    }

    private static Axis window(Axis a, long kernel, long stride, long dilation, long padBegin) {
        return new Axis(a.jump() * stride, a.lo() - padBegin * a.jump(), a.hi() + ((kernel - 1) * dilation - padBegin) * a.jump());
    }

    /** Every position of a value of {@code size} positions together: what a global pooling reads. */
    private static Axis whole(Axis a, long size) {
        return new Axis(0, a.lo(), (size - 1) * a.jump() + a.hi());
    }

    /** A value of one position broadcast over {@code size}: each position reads what that one reads. */
    private static Axis broadcast(Axis a, long from, long size) {
        return from == 1 && size > 1 ? new Axis(0, a.lo(), a.hi()) : a;
    }

    private static Axis union(Node n, Axis a, Axis b, long size) {
        if (a == null || a.jump() == b.jump()) {
            return a == null ? b : new Axis(b.jump(), Math.min(a.lo(), b.lo()), Math.max(a.hi(), b.hi()));
        }
        // A constant field (jump 0, e.g. a squeeze-excitation gate) beside a sliding one is a
        // union of that form only when it covers the sliding one at every position.
        Axis constant = a.jump() == 0 ? a : b.jump() == 0 ? b : null;
        Axis sliding = constant == a ? b : a;
        if (constant != null && constant.lo() <= sliding.lo() && constant.hi() >= (size - 1) * sliding.jump() + sliding.hi()) {
            return constant;
        }
        throw new IllegalArgumentException("receptive field: node '" + n.name() + "' joins branches with different strides ("
                + a.jump() + " and " + b.jump() + " input pixels): their union is not one window per position");
    }

    /**
     * The input pixels unit {@code (row, column)} of {@code node} depends on, walked back node by
     * node and clipped to the positions of every value on the way; and the unclipped extent.
     */
    public Region region(String node, long row, long column) {
        Field f = field(node);
        if (f == null) {
            throw new IllegalArgumentException("no node '" + node + "'");
        }
        if (row < 0 || row >= f.height() || column < 0 || column >= f.width()) {
            throw new IllegalArgumentException("position " + row + "," + column + " is outside node '" + f.node() + "' of "
                    + f.height() + "x" + f.width() + " positions");
        }
        Map<String, Span[]> spans = new HashMap<>();
        spans.put(f.node(), new Span[] {new Span(row, row), new Span(column, column)});
        List<Node> nodes = new ArrayList<>(graph.nodes());
        for (int k = nodes.size() - 1; k >= 0; k--) {
            Node n = nodes.get(k);
            Span[] s = spans.get(n.name());
            if (s == null || s[0].isEmpty() || s[1].isEmpty()) {
                continue;
            }
            for (String i : n.inputs()) {
                Span[] back = back(n, s, i);
                Span[] have = spans.get(i);
                spans.put(i, have == null ? back : new Span[] {have[0].union(back[0]), have[1].union(back[1])});
            }
        }
        Span[] at = spans.getOrDefault(input, new Span[] {Span.EMPTY, Span.EMPTY});
        Axis ay = f.y();
        Axis ax = f.x();
        Span rows = ay == null ? Span.EMPTY : new Span(row * ay.jump() + ay.lo(), row * ay.jump() + ay.hi());
        Span columns = ax == null ? Span.EMPTY : new Span(column * ax.jump() + ax.lo(), column * ax.jump() + ax.hi());
        boolean none = at[0].isEmpty() || at[1].isEmpty();
        return new Region(none ? Span.EMPTY : at[0], none ? Span.EMPTY : at[1], rows, columns);
    }

    /** What input {@code in} of {@code n} is read for output rows and columns {@code s}, clipped to its positions. */
    private Span[] back(Node n, Span[] s, String in) {
        long[] x = shapes.get(in);
        long h = x.length == 4 ? x[2] : 1;
        long w = x.length == 4 ? x[3] : 1;
        long[] out = shapes.get(n.name());
        Layer<?> l = Specialization.reference(n.layer());
        if (out.length != 4 || l instanceof GlobalAvgPool || l instanceof GlobalMaxPool) {
            return new Span[] {new Span(0, h - 1), new Span(0, w - 1)};
        }
        if (l instanceof Conv2d c) {
            Conv2d.Plan p = c.plan((int) h, (int) w);
            return new Span[] {
                window(s[0], c.weight().size(2), c.spec().strideH(), c.spec().dilationH(), p.top(), h),
                window(s[1], c.weight().size(3), c.spec().strideW(), c.spec().dilationW(), p.left(), w)};
        }
        if (l instanceof MaxPool2d || l instanceof AvgPool2d) {
            PoolSpec ps = l instanceof MaxPool2d m ? m.spec() : ((AvgPool2d) l).spec();
            PoolGeometry g = PoolGeometry.of(ps, x);
            return new Span[] {
                window(s[0], ps.kernelH(), ps.strideH(), ps.dilationH(), g.top(), h),
                window(s[1], ps.kernelW(), ps.strideW(), ps.dilationW(), g.left(), w)};
        }
        if (l instanceof Pad pad) {
            long[] p = pad.pads();
            return new Span[] {window(s[0], 1, 1, 1, p[2], h), window(s[1], 1, 1, 1, p[3], w)};
        }
        // Elementwise (checked when the fields were built); a broadcast value of one position is read whole.
        return new Span[] {h == 1 ? new Span(0, 0) : s[0].clip(h), w == 1 ? new Span(0, 0) : s[1].clip(w)};
    }

    /**
     * The first and last input position that a tap of the windows of outputs {@code s} lands on
     * inside {@code [0, size)}: with dilation the taps skip positions, so clipping the outer
     * interval alone could start the region on a pixel that no tap reads.
     */
    private static Span window(Span s, long kernel, long stride, long dilation, long padBegin, long size) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (long o = s.from(); o <= s.to(); o++) {
            for (long r = 0; r < kernel; r++) {
                long t = o * stride - padBegin + r * dilation;
                if (t >= 0 && t < size) {
                    first = Math.min(first, t);
                    last = Math.max(last, t);
                }
            }
        }
        return first > last ? Span.EMPTY : new Span(first, last);
    }
}
