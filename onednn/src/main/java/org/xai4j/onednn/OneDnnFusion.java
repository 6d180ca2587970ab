package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.dnnl_memory;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ReLU;

/**
 * The fusion pass of a {@link OneDnnPlan}: which nodes become one oneDNN primitive. A ReLU or Clip
 * becomes a post-op of the convolution before it, and a residual Add an in-place sum into one of
 * its convolutions, wherever the value in between has no other reader and nobody asked for it.
 * Plans for backward fuse less: one activation per op (backward reads it through the op's output),
 * and a residual Add becomes a binary post-op of its convolution that reads the other addend
 * instead of an in-place sum onto it (which would overwrite an activation backward needs). Backward
 * runs such an op as the two it stands for ({@link #unfused}).
 *
 * <p>At most one eltwise post-op per convolution: with two (Clip(-0.5, 0.5) then ReLU6), oneDNN
 * 2.5.2's jit_1x1 convolution returned zeros (found by the plan fuzz).
 *
 * <p>A post-op on a standalone addition (oneDNN's binary primitive) only where the layout allows
 * it ({@link ActivationLayout#fusesBinaryPostOp}): with an eltwise post-op on nChw8c tensors,
 * oneDNN 2.5.2's AVX-512 binary kernel gives wrong values unless the channel count is a multiple
 * of 16, and writes past the end of its destination whenever the tensor has an odd number of
 * 8-channel blocks (measured with no JVM by {@code ../shared/diagnostics/onednn_binary_overrun.c}
 * for every C from 1 to 48: 4,096 bytes past a 16x16 map for C = 1-8, 17-24, 33-40). Plans write
 * nChw16c at AVX-512 and nChw8c below it, where neither happened for any C, so the addition keeps
 * its post-op at every channel count; the plan fuzz runs it in guarded mode at both widths. Where
 * a plan falls back to nChw8c at AVX-512, an addition keeps its post-op only at multiples of 16
 * channels (ResNets' 64 to 2048) and the ReLU runs as its own eltwise primitive elsewhere, one
 * more pass over memory.
 */
final class OneDnnFusion {
    private OneDnnFusion() {}

    /** One fused operation: the nodes it stands for, its inputs and the value it writes. */
    static final class Op {
        final Node node;
        final List<String> in;
        String out;
        /** Eltwise post-ops after the main operation: {algorithm, alpha, beta} each. */
        final List<float[]> eltwise = new ArrayList<>();
        /** The nodes those post-ops stand for, in the same order. */
        final List<String> eltwiseNodes = new ArrayList<>();
        /** The value this op adds its result onto, in place (a fused residual addition). */
        String sumOnto;
        /** The value a fused residual addition adds to this op's result as a binary post-op (plans for backward). */
        String addend;
        /** The residual Add fused as {@link #addend}: backward runs it as its own op ({@link #unfused}). */
        Op residual;
        /** Position of the residual addition among the post-ops (eltwise before it run before it). */
        int sumAt = -1;
        /** Extra {top, left, bottom, right} zero padding of a convolution's input: a Pad folded in (or null). */
        long[] pad;
        /** Max pooling's switches, kept for backward (training plans only). */
        dnnl_memory workspace;
        final List<String> fused = new ArrayList<>();
        /** A depthwise 3x3 convolution run inside this 1x1 one ({@link DepthwiseFusion}), or null. */
        Op depthwise;

        Op(Node node, List<String> in) {
            this.node = node;
            this.in = new ArrayList<>(in);
            this.out = node.name();
        }

        /**
         * The value this convolution wrote before {@link #residual} was fused into it (the Add's
         * other input): backward computes its gradient, never the value.
         */
        String ownOut() {
            return residual.in.get(0).equals(addend) ? residual.in.get(1) : residual.in.get(0);
        }

        /** The values this op needs alive: its inputs and the addend it sums onto. */
        List<String> reads() {
            if (sumOnto == null && addend == null) {
                return in;
            }
            List<String> r = new ArrayList<>(in);
            r.add(sumOnto != null ? sumOnto : addend);
            return r;
        }
    }

    /** ReLU or Clip as a oneDNN eltwise {algorithm, alpha, beta}; null for any other layer. */
    static float[] eltwiseOf(Object layer) {
        if (layer instanceof ReLU) {
            return new float[] {dnnl_eltwise_relu, 0, 0};
        }
        if (layer instanceof Clip c) {
            return new float[] {dnnl_eltwise_clip, (float) c.min(), (float) c.max()};
        }
        return null;
    }

    /**
     * Folds a ReLU/Clip into the convolution before it and a residual Add into one of its convolutions,
     * where the intermediate value has no other reader and is not wanted by the caller.
     */
    static void fuse(List<Op> ops, Set<String> wanted, boolean training, Map<String, long[]> shapes, ActivationLayout layout,
                     boolean winograd) {
        Map<String, Op> producer = new HashMap<>();
        Map<String, List<Integer>> readers = readers(ops);
        List<Op> kept = new ArrayList<>();
        Map<Op, Integer> position = new HashMap<>();
        for (int t = 0; t < ops.size(); t++) {
            Op op = ops.get(t);
            position.put(op, t);
            Op before = op.in.isEmpty() ? null : producer.get(op.in.get(0));
            float[] eltwise = eltwiseOf(op.node.layer());
            if (eltwise != null && before != null && privateTo(op.in.get(0), t, readers, wanted)
                    && before.eltwise.isEmpty() && (before.node.layer() instanceof Conv2d
                        || before.node.layer() instanceof Add && layout.fusesBinaryPostOp(shapes.get(before.out)[1]))) {
                before.eltwise.add(eltwise);
                before.eltwiseNodes.add(op.node.name());
                before.fused.add(op.node.name());
                rename(before, op.out, producer);
                continue;
            }
            if (op.node.layer() instanceof Add) {
                Op into = training ? residualReading(op, t, producer, readers, position, wanted, shapes, layout, winograd)
                        : residualInto(op, t, producer, readers, position, wanted);
                if (into != null) {
                    String other = op.in.get(0).equals(into.out) ? op.in.get(1) : op.in.get(0);
                    if (training) {
                        into.addend = other;
                        into.residual = op;
                    } else {
                        into.sumOnto = other;
                    }
                    into.sumAt = into.eltwise.size();
                    into.fused.add(op.node.name());
                    rename(into, op.out, producer);
                    continue;
                }
            }
            producer.put(op.out, op);
            kept.add(op);
        }
        ops.clear();
        ops.addAll(kept);
    }

    /**
     * The ops of a plan for backward as backward runs them: each convolution with a residual
     * {@link Op#addend} as that convolution, writing its own value, then the Add (with the
     * activation fused after it), which passes the gradient on to both addends.
     */
    static List<Op> unfused(List<Op> ops) {
        List<Op> result = new ArrayList<>();
        for (Op op : ops) {
            if (op.addend == null) {
                result.add(op);
                continue;
            }
            Op conv = new Op(op.node, op.in);
            conv.out = op.ownOut();
            conv.pad = op.pad;
            Op add = new Op(op.residual.node, op.residual.in);
            add.out = op.out;
            add.eltwise.addAll(op.eltwise);
            add.eltwiseNodes.addAll(op.eltwiseNodes);
            result.add(conv);
            result.add(add);
        }
        return result;
    }

    /** The op now writes {@code name} (the value of the node fused into it). */
    private static void rename(Op op, String name, Map<String, Op> producer) {
        producer.remove(op.out);
        op.out = name;
        producer.put(name, op);
    }

    /** Per value, the positions of the ops that read it (a residual sum's addend included). */
    static Map<String, List<Integer>> readers(List<Op> ops) {
        Map<String, List<Integer>> readers = new HashMap<>();
        for (int t = 0; t < ops.size(); t++) {
            for (String in : ops.get(t).reads()) {
                readers.computeIfAbsent(in, k -> new ArrayList<>()).add(t);
            }
        }
        return readers;
    }

    /** True when {@code v} is read only by op {@code t} and the caller does not want it back. */
    static boolean privateTo(String v, int t, Map<String, List<Integer>> readers, Set<String> wanted) {
        return !wanted.contains(v) && readers.getOrDefault(v, List.of()).equals(List.of(t));
    }

    /**
     * A convolution of {@code add} (in a plan for backward) that can add the other addend to its
     * result as a binary post-op: its own output feeds only the Add, the other addend is made
     * before it runs, and the layout lets a binary post-op through ({@link
     * ActivationLayout#fusesBinaryPostOp}, measured for the binary primitive; the plan fuzz runs
     * these in guarded mode at both block widths). Not a convolution that tries Winograd's kernel,
     * which takes no binary post-op.
     */
    private static Op residualReading(Op add, int t, Map<String, Op> producer, Map<String, List<Integer>> readers,
                                      Map<Op, Integer> position, Set<String> wanted, Map<String, long[]> shapes,
                                      ActivationLayout layout, boolean winograd) {
        if (add.in.size() != 2 || !Arrays.equals(shapes.get(add.in.get(0)), shapes.get(add.in.get(1)))
                || !layout.fusesBinaryPostOp(shapes.get(add.out)[1])) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            Op conv = residualCandidate(add, k, t, producer, readers, position, wanted);
            if (conv != null && !(winograd && Winograd.eligible((Conv2d) conv.node.layer()))) {
                return conv;
            }
        }
        return null;
    }

    /**
     * A convolution of {@code add} that can write its result onto the other addend in place:
     * its own output feeds only the Add, and the other addend is produced before it runs and read
     * by nothing from it on (other than the Add).
     */
    private static Op residualInto(Op add, int t, Map<String, Op> producer, Map<String, List<Integer>> readers,
                                   Map<Op, Integer> position, Set<String> wanted) {
        for (int k = 0; k < 2; k++) {
            Op conv = residualCandidate(add, k, t, producer, readers, position, wanted);
            if (conv == null) {
                continue;
            }
            // Nothing from the convolution on may read the addend, the convolution itself included:
            // it would read its own partly written output (x + conv(x), found by the plan fuzz).
            int at = position.get(conv);
            boolean readLater = false;
            for (int r : readers.get(add.in.get(1 - k))) {
                readLater |= r != t && r >= at;
            }
            if (!readLater) {
                return conv;
            }
        }
        return null;
    }

    /**
     * The convolution that makes input {@code k} of {@code add} (op {@code t}), where either kind
     * of residual fusion may take it: nothing fused after it yet, its output read by the Add alone
     * and wanted by no one, and the other input a different value made before it runs; else null.
     */
    private static Op residualCandidate(Op add, int k, int t, Map<String, Op> producer, Map<String, List<Integer>> readers,
                                        Map<Op, Integer> position, Set<String> wanted) {
        String mine = add.in.get(k);
        String other = add.in.get(1 - k);
        Op conv = producer.get(mine);
        Op otherOp = producer.get(other);
        if (conv == null || !(conv.node.layer() instanceof Conv2d) || conv.sumOnto != null || conv.addend != null
                || !conv.eltwise.isEmpty() || !privateTo(mine, t, readers, wanted) || otherOp == null || mine.equals(other)) {
            return null;
        }
        return position.get(otherOp) < position.get(conv) ? conv : null;
    }
}
