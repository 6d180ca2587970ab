package org.xai4j.onednn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.common.util.ArrayUtil;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;

/**
 * How a split plan of channels-last activations (nhwc, {@link ActivationLayout#channelsLast})
 * runs each step as parts over rows of its output: part i computes output rows [r_i, r_{i+1})
 * of every channel with one-threaded kernels. At batch 1 a run of rows of an nhwc tensor is one
 * contiguous stretch of memory, so a part is an ordinary oneDNN primitive over fewer rows whose
 * destination starts at an offset:
 * <ul>
 *   <li>a convolution (any groups) reads the input rows its windows cover, with the padding of
 *       the whole convolution at the top of the first part and the bottom of the last only;</li>
 *   <li>max and average pooling, as a convolution: the input rows their windows cover, the
 *       whole padding at the top of the first part and the bottom of the last only;</li>
 *   <li>an addition and a ReLU or Clip read the same rows of their inputs as they write;</li>
 *   <li>a classifier head's [1, O] row splits by runs of features, as in {@link ChannelSplit}.</li>
 * </ul>
 * Anything else (global pooling, a map of one row) runs whole on the caller's one thread. A plan
 * may also run by rows only up to a switch into channel blocks ({@link MixedLayout}).
 *
 * <p>Why rows: a part of a {@link ChannelSplit} reads all of a convolution's input, half of it
 * written by the other core a step before, and writes channels the other core's next 1x1
 * convolution reads again. A part over rows reads the rows it (and, at a 3x3 window's edge, the
 * other core) wrote, and the weights, which only ever get read. Where activations outweigh the
 * weights that wins ({@link #preferred}): three MobileNetV2 blocks (1x1, depthwise 3x3, 1x1) at
 * 14 x 14 with 96-576-96 channels, batch 1, one thread per part, median of 1,500: 158 µs split by
 * channel blocks of nChw16c against 126 µs split by rows of nhwc (222 and 231 µs on one thread);
 * at 28 x 28 with 32-192-32 channels 123 against 74 µs (113 and 120 on one). ResNets, whose
 * weights outweigh their activations, keep channel blocks and their Winograd kernels, which oneDNN
 * has for nChw16c only.
 */
final class RowSplit {
    /**
     * {@code auto} (the default): rows where {@link #preferred}; {@code rows} or {@code channels}
     * for every split plan. Read when a plan compiles.
     */
    static final String PROPERTY = "xai4j.onednn.split.by";

    /** Set while a plan compiles again in channel blocks ({@link #declined}). */
    private static final ThreadLocal<Boolean> DECLINED = ThreadLocal.withInitial(() -> false);

    private RowSplit() {}

    /**
     * Whether a split plan of {@code nodes} runs channels last and splits by rows: when the
     * property says rows, or says auto and the convolutions' inputs and outputs hold more values
     * than their weights; never inside {@link #declined}.
     */
    static boolean preferred(List<Node> nodes, String input, long[] inputShape) {
        if (DECLINED.get()) {
            return false;
        }
        String by = System.getProperty(PROPERTY, "auto").trim();
        return switch (by) {
            case "rows" -> true;
            case "channels" -> false;
            case "auto" -> activationsOutweighWeights(nodes, input, inputShape);
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, rows or channels, got '" + by + "'");
        };
    }

    /**
     * Whether a split plan of {@code nodes} that {@link #preferred} leaves in channel blocks may
     * start by rows ({@link MixedLayout}): when the property says auto; never inside {@link #declined}.
     */
    static boolean mayMix() {
        return !DECLINED.get() && System.getProperty(PROPERTY, "auto").trim().equals("auto");
    }

    /** What {@code compile} returns with every split plan in it compiled by channel blocks. */
    static <T> T declined(Supplier<T> compile) {
        boolean before = DECLINED.get();
        DECLINED.set(true);
        try {
            return compile.get();
        } finally {
            DECLINED.set(before);
        }
    }

    /** Whether the values the convolutions read and write outnumber their weights (false for shapes the layers reject). */
    static boolean activationsOutweighWeights(List<Node> nodes, String input, long[] inputShape) {
        List<ChannelSplit.Convolution> convolutions = ChannelSplit.convolutions(nodes, input, inputShape);
        if (convolutions == null) {
            return false;
        }
        long activations = 0;
        long weights = 0;
        for (ChannelSplit.Convolution c : convolutions) {
            activations += ArrayUtil.prodLong(c.x()) + ArrayUtil.prodLong(c.y());
            weights += c.layer().weight().length();
        }
        return activations > weights;
    }

    /**
     * The parts of {@code op} (writing {@code y}) over at most {@code parts} threads, or null when
     * the op runs whole. Part values point into the buffers the whole op's values occupy now.
     */
    static List<ChannelSplit.Part> split(OneDnnPlan plan, OneDnnFusion.Op op, Map<String, OneDnnPlan.Value> values, OneDnnPlan.Value y,
                                         int parts) {
        Object layer = op.node.layer();
        if (layer instanceof Linear) {
            return ChannelSplit.split(plan, op, values, y, parts);
        }
        if (parts < 2 || op.depthwise != null || !ChannelSplit.inLayout(y, plan.layout) || y.shape[2] < 2) {
            return null;
        }
        boolean sameRows = layer instanceof Add || OneDnnFusion.eltwiseOf(layer) != null;
        OneDnnPlan.Pooling pooling = OneDnnPlan.Pooling.of(op, values.get(op.in.get(0)).shape);
        if (!(layer instanceof Conv2d) && !sameRows && (pooling == null || layer instanceof GlobalAvgPool)) {
            return null;
        }
        for (String in : op.in) {
            OneDnnPlan.Value v = values.get(in);
            if (v.buffer == null || !ChannelSplit.inLayout(v, plan.layout)) {
                return null; // the plan's own input (re-pointed every run), or not channels last
            }
        }
        long rows = y.shape[2];
        int n = (int) Math.min(parts, rows);
        List<ChannelSplit.Part> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Rounded up: the caller's part, which starts first, takes the odd row.
            long r0 = (rows * i + n - 1) / n, r1 = (rows * (i + 1) + n - 1) / n;
            Map<String, OneDnnPlan.Value> partValues = new HashMap<>();
            OneDnnFusion.Op part;
            if (layer instanceof Conv2d || pooling != null) {
                OneDnnPlan.Value x = values.get(op.in.get(0));
                Covered rowsIn;
                Object rowsOf;
                if (layer instanceof Conv2d c) {
                    // {strides, dilation (from 0), pads begin, pads end}, a folded Pad's padding included.
                    long[][] window = OneDnnPlan.convWindow(c, x.shape, op.pad);
                    long k = c.weight().size(2);
                    rowsIn = Covered.of(r0, r1, window[0][0], window[2][0], window[1][0] * (k - 1) + k, x.shape[2]);
                    if (rowsIn == null) {
                        return null; // a part whose windows see padding only: run whole
                    }
                    rowsOf = new Conv2d(c.weight(), c.bias(), c.spec().withPadding((int) rowsIn.above(), (int) window[2][1],
                            (int) rowsIn.below(), (int) window[3][1]));
                } else {
                    // {strides, kernel, dilation (from 0), pads begin, pads end}, a folded Pad's padding included.
                    long[][] window = OneDnnPlan.poolWindow(pooling, x, op.node.name());
                    rowsIn = Covered.of(r0, r1, window[0][0], window[3][0], window[2][0] * (window[1][0] - 1) + window[1][0], x.shape[2]);
                    if (rowsIn == null) {
                        return null;
                    }
                    PoolSpec s = pooling.spec();
                    PoolSpec spec = new PoolSpec(s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), (int) rowsIn.above(), (int) window[3][1],
                            (int) rowsIn.below(), (int) window[4][1], s.dilationH(), s.dilationW(), Padding.EXPLICIT, false);
                    rowsOf = layer instanceof MaxPool2d ? new MaxPool2d(spec) : new AvgPool2d(spec, ((AvgPool2d) layer).countIncludePad());
                }
                part = ChannelSplit.copy(op, rowsOf);
                part.pad = null; // the whole padding is the part's own now
                partValues.put(op.in.get(0), rows(plan, x, rowsIn.top(), rowsIn.bottom() + 1));
            } else {
                part = ChannelSplit.copy(op, layer);
                for (String in : op.in) {
                    partValues.put(in, rows(plan, values.get(in), r0, r1));
                }
            }
            partValues.put(op.out, rows(plan, y, r0, r1));
            result.add(new ChannelSplit.Part(part, partValues, "rows", r0, r1));
        }
        return result;
    }

    /**
     * The input rows [top, bottom] that the windows of output rows [r0, r1) cover (a convolution's
     * or a pooling's), and the padding rows a part over them has above and below: the whole
     * window's padding at the image's edges only.
     */
    private record Covered(long top, long bottom, long above, long below) {
        /**
         * For windows of {@code extent} rows every {@code stride} rows, {@code padBegin} rows of
         * padding above an input of {@code height} rows; null when they see padding only.
         */
        static Covered of(long r0, long r1, long stride, long padBegin, long extent, long height) {
            // Counted from the top padding's first row.
            long first = r0 * stride - padBegin, last = (r1 - 1) * stride - padBegin + extent - 1;
            long top = Math.max(0, first), bottom = Math.min(height - 1, last);
            return top > bottom ? null : new Covered(top, bottom, top - first, last - bottom);
        }
    }

    /** Rows [r0, r1) of a batch-1 nhwc value: one stretch of its buffer. */
    private static OneDnnPlan.Value rows(OneDnnPlan plan, OneDnnPlan.Value v, long r0, long r1) {
        long[] shape = {1, v.shape[1], r1 - r0, v.shape[3]};
        return plan.part(v, shape, plan.md(shape), offset(v, r0));
    }

    /** Where row r0 begins in a batch-1 nhwc value, in bytes. */
    private static long offset(OneDnnPlan.Value v, long r0) {
        return r0 * v.shape[3] * v.shape[1] * Float.BYTES;
    }
}
