package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_acdb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Linear;
import org.xai4j.layers.Specialization;

/**
 * How an inference plan of batch 1 runs each step as parts on the {@link Crew}'s threads: part i
 * computes output channel blocks [b_i, b_{i+1}) of the step with one-threaded kernels, over the
 * same input, so the parts write disjoint stretches of one buffer and no part waits for another
 * until the step ends. At batch 1 a block range of nChw16c ({@code [1][C/16][H][W][16]}) is one
 * contiguous stretch of memory, so a part is an ordinary oneDNN primitive of fewer channels whose
 * destination starts at an offset: a dense convolution reads the whole input with its own rows
 * of the weights (and bias); a depthwise convolution, pooling, an addition and a ReLU or Clip
 * read the same channels of their inputs as they write.
 *
 * <p>A step that cannot split this way runs whole, on the caller's one thread (every primitive
 * of a split plan is made for one): one block of output channels (MobileNetV2's 16-channel
 * projection at nChw16c), a grouped convolution that is not depthwise, a depthwise convolution,
 * pooling, Add or ReLU reading a value not in the plan's blocked layout (the image itself; a
 * dense convolution on the image splits). Split plans do not fuse 1x1 + depthwise pairs: at
 * batch 1 oneDNN fused 1 of MobileNetV2's 16.
 *
 * <p>A plan whose convolutions read and write more values than they hold weights (MobileNetV2)
 * splits by rows of channels-last activations instead ({@link RowSplit}), and a batch of several
 * images by images ({@link ImageSplit}); this class decides for all three whether a plan splits
 * at all, and splits the batch-1 classifier heads.
 *
 * <p>Why: at batch 1 OpenMP's fork and join per primitive, with its threads asleep between
 * primitives, cost as much as a second core gained on MobileNetV2 ({@link Crew}), and oneDNN's
 * kernels scale poorly to two threads on so little work. Plans of convolutions up to
 * {@link #MAX_MACS_PER_CONVOLUTION} split: MobileNetV2's and the ResNets' at 224 x 224.
 * Switched by {@code -Dxai4j.onednn.split} (true unless set to false), read when a plan compiles.
 */
final class ChannelSplit {
    static final String PROPERTY = "xai4j.onednn.split";

    private ChannelSplit() {}

    /**
     * One part of a step: the op over its channels (or rows, {@link RowSplit}, or images,
     * {@link ImageSplit}), the values it reads and writes by name (its output's
     * {@link OneDnnPlan.Value#offset} is where it starts in the step's output buffer), and the
     * channels, rows or images [first, end) it computes ({@code over}: "channels", "rows" or "images").
     */
    record Part(OneDnnFusion.Op op, Map<String, OneDnnPlan.Value> values, String over, long first, long end) {}

    /**
     * The most threads a plan splits over. Measured on 2 cores only; with more, a step of few
     * channel blocks would leave cores idle that OpenMP's partition of its rows would use, so such
     * hosts keep OpenMP's threads.
     */
    static final int MAX_PARTS = 4;

    /**
     * Plans whose convolutions average more multiply-adds than this run whole. Measured with the
     * two plans of one model compiled in one process and timed pass by pass in alternation, batch 1,
     * Winograd kernels, 2 cores: the split was faster in 74-86% of ResNet-18's pairs (91 million
     * on average; medians 0.94-0.98 of the whole plan's) and in 65-84% of ResNet-50's (0.96-0.99),
     * and MobileNetV2 (6 million) gains more. oneDNN's one-threaded kernels over half
     * the output channels beat its two-threaded ones over all of them (a 3 x 3 Winograd
     * convolution of 128 channels at 28 x 28: 0.24 ms a half against 0.36 ms whole), on top of the
     * wake-ups saved. Beside one busy process the split ResNet-18 took 1.07-1.08x the whole
     * plan's time (a part waits for a core). Larger convolutions were not measured, so they keep
     * OpenMP's threads.
     * {@code -Dxai4j.onednn.split.maxMacs} sets another bound.
     */
    static final long MAX_MACS_PER_CONVOLUTION = 128_000_000;
    static final String MAX_MACS_PROPERTY = "xai4j.onednn.split.maxMacs";

    /**
     * How many parts the steps of a plan of {@code nodes} split into: the OpenMP threads this
     * thread would give a primitive (2 to {@link #MAX_PARTS}), for an inference plan of batch 1 or
     * of a multiple of those threads ({@link ImageSplit}) whose convolutions average at most
     * {@link #MAX_MACS_PER_CONVOLUTION} multiply-adds over the whole batch, when the property
     * allows; 1 (no split) otherwise.
     */
    static int parts(boolean training, List<Node> nodes, String input, long[] inputShape) {
        if (training || !requested()) {
            return 1;
        }
        int threads = Crew.openMpThreads();
        if (threads < 2 || threads > MAX_PARTS || inputShape[0] % threads != 0 && inputShape[0] != 1) {
            return 1;
        }
        long macs = macsPerConvolution(nodes, input, inputShape);
        return macs >= 0 && macs <= maxMacs() ? threads : 1;
    }

    static long maxMacs() {
        String v = System.getProperty(MAX_MACS_PROPERTY, String.valueOf(MAX_MACS_PER_CONVOLUTION)).trim();
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + MAX_MACS_PROPERTY + " must be a count of multiply-adds (0 or more), got '" + v + "'");
    }

    /**
     * The convolutions' average multiply-adds per pass (0: none; -1: a shape the layers reject),
     * counting each node by its reference layer, as a plan compiles it (a specialized 1x1 or
     * depthwise convolution is a {@link Conv2d} there).
     */
    static long macsPerConvolution(List<Node> nodes, String input, long[] inputShape) {
        List<Convolution> convolutions = convolutions(nodes, input, inputShape);
        if (convolutions == null) {
            return -1;
        }
        long macs = 0;
        for (Convolution c : convolutions) {
            macs += OneDnnPlan.macs(c.layer(), c.y());
        }
        return convolutions.isEmpty() ? 0 : macs / convolutions.size();
    }

    /** A convolution of a plan, by its reference layer, with the shapes of its input and output. */
    record Convolution(Conv2d layer, long[] x, long[] y) {}

    /** The convolutions among {@code nodes} in order, or null where a layer rejects its input's shape. */
    static List<Convolution> convolutions(List<Node> nodes, String input, long[] inputShape) {
        Map<String, long[]> shapes = new HashMap<>();
        shapes.put(input, inputShape);
        List<Convolution> convolutions = new ArrayList<>();
        for (Node n : nodes) {
            long[][] in = new long[n.inputs().size()][];
            for (int i = 0; i < in.length; i++) {
                in[i] = shapes.get(n.inputs().get(i));
                if (in[i] == null) {
                    return null;
                }
            }
            long[] y;
            try {
                y = n.layer().outputShape(in);
            } catch (RuntimeException e) {
                return null;
            }
            shapes.put(n.name(), y);
            if (Specialization.reference(n.layer()) instanceof Conv2d c) {
                convolutions.add(new Convolution(c, in[0], y));
            }
        }
        return convolutions;
    }

    static boolean requested() {
        return Switches.on(PROPERTY);
    }

    /**
     * The parts of {@code op} (writing {@code y}) over at most {@code parts} threads, or null when
     * the op runs whole. Part values point into the buffers the whole op's values occupy now.
     */
    static List<Part> split(OneDnnPlan plan, OneDnnFusion.Op op, Map<String, OneDnnPlan.Value> values, OneDnnPlan.Value y, int parts) {
        ActivationLayout layout = plan.layout;
        Object layer = op.node.layer();
        if (layer instanceof Linear) {
            // A classifier head's [1, O] row: parts of whole 16-feature runs, each reading all of the input.
            return y.shape[0] == 1 ? parts(plan, op, values, y, parts, 16, false) : null;
        }
        long K = y.shape[1];
        // Parts start at whole blocks; an addition with a fused ReLU also needs channel counts its
        // kernel takes (nChw8c at AVX-512: multiples of 16, ActivationLayout.fusesBinaryPostOp).
        boolean addWithPostOp = layer instanceof Add && !op.eltwise.isEmpty();
        long unit = layout.block();
        while (addWithPostOp && !layout.fusesBinaryPostOp(unit)) {
            unit += layout.block();
        }
        long units = (K + unit - 1) / unit;
        if (parts < 2 || units < 2 || op.depthwise != null || !inLayout(y, layout)
                || addWithPostOp && !layout.fusesBinaryPostOp(K % unit == 0 ? unit : K % unit)) {
            return null;
        }
        // Which inputs are read over the part's channels only (the rest are read whole).
        boolean sliceInputs;
        if (layer instanceof Conv2d c) {
            long C = values.get(op.in.get(0)).shape[1];
            boolean depthwise = c.spec().groups() == C && C == K && c.weight().size(1) == 1;
            if (c.spec().groups() != 1 && !depthwise) {
                return null;
            }
            sliceInputs = depthwise;
        } else {
            sliceInputs = layer instanceof Add || OneDnnPlan.Pooling.of(op, values.get(op.in.get(0)).shape) != null
                    || OneDnnFusion.eltwiseOf(layer) != null;
            if (!sliceInputs) {
                return null;
            }
        }
        if (sliceInputs) {
            for (String in : op.in) {
                OneDnnPlan.Value v = values.get(in);
                if (v.buffer == null || v.shape[1] != K || !inLayout(v, layout)) {
                    return null; // the plan's own input (re-pointed every run), or not in blocks
                }
            }
        }
        return parts(plan, op, values, y, parts, unit, sliceInputs);
    }

    /**
     * The op in at most {@code parts} parts of whole {@code unit}s of output channels, reading
     * the same channels of their inputs when {@code sliceInputs}, all of them otherwise.
     */
    static List<Part> parts(OneDnnPlan plan, OneDnnFusion.Op op, Map<String, OneDnnPlan.Value> values, OneDnnPlan.Value y, int parts,
                            long unit, boolean sliceInputs) {
        long K = y.shape[1];
        long units = (K + unit - 1) / unit;
        int n = (int) Math.min(parts, units);
        if (n < 2) {
            return null;
        }
        Object layer = op.node.layer();
        List<Part> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long c0 = units * i / n * unit, c1 = Math.min(units * (i + 1) / n * unit, K);
            Map<String, OneDnnPlan.Value> partValues = new HashMap<>();
            for (String in : op.in) {
                OneDnnPlan.Value v = values.get(in);
                partValues.put(in, sliceInputs ? slice(plan, v, c0, c1) : v);
            }
            partValues.put(op.out, slice(plan, y, c0, c1));
            result.add(new Part(copy(op, slice(layer, c0, c1)), partValues, "channels", c0, c1));
        }
        return result;
    }

    /** Whether {@code v} is a batch-1 value in the plan's layout. */
    static boolean inLayout(OneDnnPlan.Value v, ActivationLayout layout) {
        return v.shape[0] == 1 && Dnnl.same(v.md, Dnnl.md(v.shape, layout.tag()));
    }

    /**
     * Channels [c0, c1) of a batch-1 value, blocked (c0 starts a block) or a [1, O] row: one
     * stretch of its buffer either way. Of a channels-last value (the reorder into blocks of a
     * {@link MixedLayout} plan reads one), a strided view from channel c0 of the first pixel.
     */
    static OneDnnPlan.Value slice(OneDnnPlan plan, OneDnnPlan.Value v, long c0, long c1) {
        if (v.shape.length == 4 && Dnnl.same(v.md, Dnnl.md(v.shape, dnnl_acdb))) {
            long C = v.shape[1], H = v.shape[2], W = v.shape[3];
            long[] shape = {1, c1 - c0, H, W};
            return plan.part(v, shape, Dnnl.md(shape, new long[] {H * W * C, 1, W * C, C}), c0 * Float.BYTES);
        }
        long[] shape = v.shape.length == 2 ? new long[] {1, c1 - c0} : new long[] {1, c1 - c0, v.shape[2], v.shape[3]};
        return plan.part(v, shape, plan.md(shape), offset(v, c0));
    }

    /** Where channel c0 (the start of a block, or of a row's run) begins in a batch-1 value, in bytes. */
    private static long offset(OneDnnPlan.Value v, long c0) {
        return c0 * (v.shape.length == 2 ? 1 : v.shape[2] * v.shape[3]) * Float.BYTES;
    }

    /** The layer over output channels [c0, c1): a convolution's or a Linear's rows of weights and bias; anything else as it is. */
    private static Object slice(Object layer, long c0, long c1) {
        if (layer instanceof Linear l) {
            INDArray w = l.weight().get(NDArrayIndex.interval(c0, c1), NDArrayIndex.all()).dup('c');
            INDArray b = l.bias() == null ? null : l.bias().reshape(l.bias().length()).get(NDArrayIndex.interval(c0, c1)).dup();
            return new Linear(w, b);
        }
        if (!(layer instanceof Conv2d c)) {
            return layer;
        }
        INDArray w = c.weight().get(NDArrayIndex.interval(c0, c1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
        INDArray b = c.bias() == null ? null : c.bias().reshape(c.bias().length()).get(NDArrayIndex.interval(c0, c1)).dup();
        return new Conv2d(w, b, c.spec().groups() == 1 ? c.spec() : c.spec().withGroups((int) (c1 - c0)));
    }

    /** The op with {@code layer} in place of its node's layer, and every fusion it carries. */
    static OneDnnFusion.Op copy(OneDnnFusion.Op op, Object layer) {
        Node node = layer == op.node.layer() ? op.node
                : new Node(op.node.name(), (org.xai4j.engine.Layer<?>) layer, op.node.inputs());
        OneDnnFusion.Op part = new OneDnnFusion.Op(node, op.in);
        part.out = op.out;
        part.eltwise.addAll(op.eltwise);
        part.eltwiseNodes.addAll(op.eltwiseNodes);
        part.sumOnto = op.sumOnto;
        part.addend = op.addend;
        part.residual = op.residual;
        part.sumAt = op.sumAt;
        part.pad = op.pad;
        part.fused.addAll(op.fused);
        return part;
    }

    /** "channels [0, 16) [16, 32)": what each part computes, for a plan's description. */
    static String describe(List<Part> parts) {
        StringBuilder s = new StringBuilder(parts.get(0).over());
        for (Part p : parts) {
            s.append(" [").append(p.first()).append(", ").append(p.end()).append(")");
        }
        return s.toString();
    }
}
