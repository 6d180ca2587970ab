package org.xai4j.onednn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Identity;

/**
 * Batch-1 split plans that start channels last, split by rows ({@link RowSplit}), and go on in
 * channel blocks ({@link ChannelSplit}) after one step: a reorder of the one value alive there
 * into blocks. ResNet-50's first stages hold large maps and few weights, where parts over rows
 * win; its later ones hold small maps, many weights and the 3x3 convolutions that oneDNN runs as
 * Winograd on channel blocks only.
 *
 * <p>Where to switch: what a part reads twice. A part of a step split by channel blocks reads the
 * whole input of a convolution (half of it written by the other core); a part of a step split by
 * rows reads all of its weights. So a 1x1 convolution leans to rows by its input values less its
 * weights. A larger window leans to channel blocks by its weights alone: measured, ResNet-18 (3x3
 * convolutions but for its shortcuts) gained nothing by rows at AVX-512 and lost 2% at AVX2
 * wherever it switched. A Winograd convolution's weights count as the F(4x4, 3x3) transform
 * stores them (6 x 6 for 3 x 3: four times) when the plan tries Winograd at an ISA that has it.
 * The plan switches after the op, among those after which only its own value is alive, where the
 * lean of the convolutions before it adds up highest, if that sum is above zero; nowhere
 * otherwise, and nowhere when the lean of the whole plan is above zero (then
 * {@link RowSplit#preferred} runs it all by rows) or at its last op. ResNet-50 with Winograd
 * (AVX-512): after layer2.0, where the lean adds up to 3.4 million values (its whole plan: -40
 * million); with direct kernels (AVX2) after layer2. ResNet-18 nowhere: its stem alone leans to
 * channel blocks. MobileNetV2 runs by rows throughout. onednn/README.md ("Batch 1: rows, then
 * channel blocks") has what this gains.
 *
 * <p>The reorder between the layouts splits by channel blocks: each part writes whole blocks (one
 * stretch of the destination, as {@link ChannelSplit}'s parts) and reads the same channels of the
 * channels-last source through a strided descriptor (oneDNN's {@code jit:uni} reorder).
 */
final class MixedLayout {
    /**
     * The node after which a batch-1 split plan changes to channel blocks, instead of the rule's
     * (onednn/README.md: measuring where to switch); read when a plan compiles.
     */
    static final String PROPERTY = "xai4j.onednn.split.switchAfter";

    /** How many more weights a Winograd F(4x4, 3x3) convolution reads: 6 x 6 transformed weights for 3 x 3. */
    static final long WINOGRAD_WEIGHTS = 4;

    private MixedLayout() {}

    /** Whether {@link #PROPERTY} names the node to switch after (then even a plan that would run all by rows switches there). */
    static boolean named() {
        return !System.getProperty(PROPERTY, "").isBlank();
    }

    /**
     * The index of the op after which a plan of {@code ops} changes to channel blocks, or -1 for
     * none. {@code winograd}: whether its 3x3 convolutions run as Winograd.
     */
    static int switchAfter(List<OneDnnFusion.Op> ops, String input, Map<String, long[]> shapes, boolean winograd) {
        if (ops.isEmpty()) {
            return -1; // a plan of identities only
        }
        List<Integer> points = points(ops, input);
        String named = System.getProperty(PROPERTY, "").trim();
        if (!named.isEmpty()) {
            for (int k : points) {
                OneDnnFusion.Op op = ops.get(k);
                if (op.out.equals(named) || op.node.name().equals(named) || op.eltwiseNodes.contains(named)) {
                    return k;
                }
            }
            return -1;
        }
        long sum = 0;
        long best = 0;
        int at = -1;
        int next = 0;
        for (int k = 0; k < ops.size() - 1; k++) {
            sum += lean(ops.get(k), shapes, winograd);
            if (next < points.size() && points.get(next) == k) {
                next++;
                if (sum > best) {
                    best = sum;
                    at = k;
                }
            }
        }
        sum += lean(ops.get(ops.size() - 1), shapes, winograd);
        return sum > 0 ? -1 : at;
    }

    /**
     * How much op {@code op} leans to rows: a 1x1 convolution's input values less the weights it
     * reads, a larger window's weights only (negative); 0 for any other op.
     */
    static long lean(OneDnnFusion.Op op, Map<String, long[]> shapes, boolean winograd) {
        if (!(op.node.layer() instanceof Conv2d c)) {
            return 0;
        }
        long[] x = shapes.get(op.in.get(0));
        long weights = c.weight().length() * (winograd && Winograd.eligible(c) ? WINOGRAD_WEIGHTS : 1);
        boolean pointwise = c.weight().size(2) == 1 && c.weight().size(3) == 1;
        return (pointwise ? x[0] * x[1] * x[2] * x[3] : 0) - weights;
    }

    /** The ops (not the last) after which only the value they write is alive, in order. */
    static List<Integer> points(List<OneDnnFusion.Op> ops, String input) {
        Map<String, Integer> lastRead = new HashMap<>();
        for (int t = 0; t < ops.size(); t++) {
            for (String in : ops.get(t).reads()) {
                lastRead.put(in, t);
            }
        }
        List<Integer> result = new ArrayList<>();
        int alive = lastRead.getOrDefault(input, -1); // the furthest read of any value made up to k, but op k's
        for (int k = 0; k < ops.size() - 1; k++) {
            if (alive <= k && lastRead.getOrDefault(ops.get(k).out, -1) > k) {
                result.add(k);
            }
            alive = Math.max(alive, lastRead.getOrDefault(ops.get(k).out, -1));
        }
        return result;
    }

    /**
     * Inserts after op k the op that writes its value again in channel blocks, and points every
     * later reader at that copy.
     */
    static void insert(List<OneDnnFusion.Op> ops, int k, Map<String, OneDnnPlan.Value> values) {
        String from = ops.get(k).out;
        String to = from + " (channel blocks)";
        for (int t = k + 1; t < ops.size(); t++) {
            OneDnnFusion.Op op = ops.get(t);
            op.in.replaceAll(in -> in.equals(from) ? to : in);
            if (from.equals(op.sumOnto)) {
                op.sumOnto = to;
            }
        }
        ops.add(k + 1, new OneDnnFusion.Op(new Node(to, new Identity(), List.of(from)), List.of(from)));
        values.put(to, new OneDnnPlan.Value(values.get(from).shape.clone()));
    }

    /**
     * The reorder's parts over at most {@code parts} threads, each writing whole channel blocks of
     * {@code y} and reading the same channels of the channels-last source, a strided slice of it
     * ({@link ChannelSplit#slice}); null when it runs whole.
     */
    static List<ChannelSplit.Part> split(OneDnnPlan plan, OneDnnFusion.Op op, Map<String, OneDnnPlan.Value> values, OneDnnPlan.Value y,
                                         int parts) {
        if (values.get(op.in.get(0)).buffer == null || !ChannelSplit.inLayout(y, plan.layout)) {
            return null;
        }
        return ChannelSplit.parts(plan, op, values, y, parts, plan.layout.block(), true);
    }

    /** Whether {@code op} is the reorder {@link #insert} made. */
    static boolean isSwitch(OneDnnFusion.Op op) {
        return op.node.layer() instanceof Identity;
    }
}
