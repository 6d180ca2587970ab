package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Memory;
import org.xai4j.engine.RectifierRule;
import org.xai4j.layers.Conv2d;

/**
 * The input gradient of a training {@link OneDnnPlan}, op by op in reverse, with the rules of the
 * layers it stands for:
 * <ul>
 *   <li>ReLU: {@code dx = dy} where {@code y > 0}; Clip: where {@code min < y < max} (both read
 *       the recorded output y, in place on dy);</li>
 *   <li>convolution: {@code dx = conv_transpose(dy, W)}. At stride 1 that is itself a convolution,
 *       of dy with the weights turned by 180 degrees and their input and output channels swapped,
 *       padded by the kernel's extent less the forward padding on each side ({@link #flipped}): it
 *       runs on oneDNN's forward kernels, which are Winograd's where the plan tries them and sum
 *       onto a gradient that already holds a contribution. Strided convolutions run oneDNN's
 *       backward-data kernel;</li>
 *   <li>max pooling: dy routed to the recorded switch of each window; average and global average
 *       pooling: dy shared over the window;</li>
 *   <li>Add: dy to both inputs;</li>
 *   <li>a {@link RectifierRule} on a ReLU or Clip: guided backprop keeps the mask and then takes
 *       relu(dy) in place; deconvnet takes relu(dy) instead of the mask.</li>
 * </ul>
 * A value read by several ops gets the sum of their contributions: the first writes, the next
 * ones add (a sum post-op, else a binary add in place). Gradients never reach an op whose output
 * got none. An op that passes dy on unchanged (Add, a standalone ReLU) gives it to an input read
 * by nothing else without a copy: that input's gradient shares dy's buffer ({@link #sharers}).
 */
final class OneDnnBackward {

    /**
     * The backward descriptors of one op, made before the shared scratchpad is sized: {@code main}
     * computes dx from dy (null: dy passes on), read in layout {@code dyMd} when dy must be
     * reordered first (else null). {@code accumulate} is set when {@code main} is a forward
     * convolution of the flipped weights: its twin that sums onto dx.
     */
    record Pending(OneDnnFusion.Op op, dnnl_primitive_desc eltwise, RectifierRule rule, dnnl_primitive_desc main,
                   dnnl_primitive_desc accumulate, dnnl_memory_desc_t dyMd, long scratchBytes) {}

    /** One primitive with its arguments. */
    private record Call(dnnl_primitive primitive, dnnl_exec_arg_t args, int count, String what) {}

    /**
     * What an op gives value {@code target}'s gradient: {@code write} when the gradient holds
     * nothing yet (null: it shares the op's dy buffer, nothing to do), else {@code accumulate}.
     */
    private record Contribution(int target, Call write, List<Call> accumulate) {}

    /** An op's backward: {@code calls} on its own dy (in place, or into a buffer of its own), then its contributions. */
    private record Step(int out, List<Call> calls, List<Contribution> contributions) {}

    /** A gradient given at one of the plan's outputs, as a plain NCHW array. */
    private record Given(String name, long[] shape, dnnl_memory plain, Contribution into, OneDnnPlan.Buffer stage) {}

    private final OneDnnPlan plan;
    /** How many values read by an Add and by other ops share the Add's gradient buffer ({@link #sharesRead}). */
    private int sharedReads;
    private final Map<String, Integer> index = new HashMap<>();
    private final dnnl_memory[] diff;
    private final List<Step> steps = new ArrayList<>();
    private final List<Given> given = new ArrayList<>();
    private final long[] inputShape;
    private final OneDnnPlan.Buffer temp;
    private final dnnl_memory_desc_t[] mds;
    private OneDnnPlan.Buffer inputStage;

    static List<Pending> plan(OneDnnPlan plan, List<OneDnnFusion.Op> ops, Map<String, OneDnnPlan.Value> values,
                              List<dnnl_primitive_desc> forward) {
        List<Pending> pending = new ArrayList<>();
        for (int t = 0; t < ops.size(); t++) {
            OneDnnFusion.Op op = ops.get(t);
            OneDnnPlan.Value x = values.get(op.in.get(0));
            OneDnnPlan.Value y = values.get(op.out);
            String what = "backward of " + op.node.name();
            Object layer = op.node.layer();
            // A standalone ReLU/Clip, or one fused into the op (plans for backward fuse at most one).
            float[] own = OneDnnFusion.eltwiseOf(layer);
            float[] e = own != null ? own : op.eltwise.isEmpty() ? null : op.eltwise.get(0);
            String rectifier = own != null ? op.node.name() : op.eltwiseNodes.isEmpty() ? null : op.eltwiseNodes.get(0);
            // A rectifier rule: guided keeps the mask and rectifies after it, deconvnet only rectifies.
            RectifierRule rule = rectifier == null ? null : plan.rules.get(rectifier);
            dnnl_primitive_desc eltwise = e == null || rule == RectifierRule.DECONVNET ? null : eltwisePd(e, y, plan, what);
            dnnl_primitive_desc main = null;
            dnnl_primitive_desc accumulate = null;
            dnnl_memory_desc_t dyMd = null;
            OneDnnPlan.Pooling pooling = OneDnnPlan.Pooling.of(op, x.shape);
            if (layer instanceof Conv2d c) {
                main = flippedPd(c, op.pad, x, y, null, plan, what);
                accumulate = main == null ? null : flippedPd(c, op.pad, x, y, main, plan, what);
                if (accumulate == null) {
                    main = convPd(c, op.pad, x, y.md, y, plan, what);
                    if (reference(main) && Dnnl.same(x.md, Dnnl.md(x.shape, dnnl_abcd))) {
                        // Into a plain NCHW input (an image's few channels), oneDNN 2.5.2 has no fast
                        // kernel that reads a blocked dy: it fell back to a reference loop ~50x slower.
                        // With dy reordered to plain NCHW it runs its im2col + GEMM kernel, which
                        // computes only the real channels (ResNet-50's stem: 2.5 ms against 3.9 for
                        // the blocked kernel on input channels zero-padded to 16).
                        dnnl_memory_desc_t plain = Dnnl.md(y.shape, dnnl_abcd);
                        dnnl_primitive_desc gemm = convPd(c, op.pad, x, plain, y, plan, what);
                        if (!reference(gemm)) {
                            main = gemm;
                            dyMd = plain;
                        }
                    }
                }
                plan.countBackward(OneDnnPlan.macs(c, y.shape), Winograd.eligible(c), c.weight().length(),
                        accumulate != null && Dnnl.implementation(main).contains(Winograd.BACKWARD_KERNEL));
            } else if (pooling != null) {
                // Max pooling's forward already ran in training mode (it kept its switches): it is the hint.
                main = poolPd(pooling, x, y, pooling.algorithm() == dnnl_pooling_max ? forward.get(t) : null, plan, what);
            }
            String how = "";
            if (accumulate != null) {
                String sums = plan.kernel(accumulate);
                how = " (flipped weights" + (sums.equals(Dnnl.implementation(main)) ? ")" : "; sums with " + sums + ")");
            } else if (dyMd != null) {
                how = " (dy as plain NCHW)";
            }
            plan.description.add("  backward of " + op.node.name() + ": " + (rule == null ? "" : rule.name().toLowerCase() + " rule, ")
                    + (eltwise == null ? "" : plan.kernel(eltwise) + " ") + (main == null ? "(passes dy on)" : plan.kernel(main)) + how);
            long bytes = 0;
            for (dnnl_primitive_desc pd : new dnnl_primitive_desc[] {eltwise, main, accumulate}) {
                if (pd != null) {
                    bytes = Math.max(bytes, Dnnl.bytes(Dnnl.query(pd, dnnl_query_scratchpad_md)));
                }
            }
            pending.add(new Pending(op, eltwise, rule, main, accumulate, dyMd, bytes));
        }
        return pending;
    }

    private static boolean reference(dnnl_primitive_desc pd) {
        return Dnnl.implementation(pd).startsWith("ref");
    }

    /** In place on dy: {@code e = {algorithm, alpha, beta}} of the forward, read through its output. */
    private static dnnl_primitive_desc eltwisePd(float[] e, OneDnnPlan.Value y, OneDnnPlan plan, String what) {
        int alg = (int) e[0] == dnnl_eltwise_clip ? dnnl_eltwise_clip_v2_use_dst_for_bwd : dnnl_eltwise_relu_use_dst_for_bwd;
        dnnl_eltwise_desc_t fwd = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(fwd, dnnl_forward_training, alg, y.md, e[1], e[2]), what);
        dnnl_primitive_desc hint = plan.pd(fwd, null, null, what);
        dnnl_eltwise_desc_t bwd = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_backward_desc_init(bwd, alg, y.md, y.md, e[1], e[2]), what);
        return plan.pd(bwd, plan.attr(), hint, what);
    }

    /** Backward-data of a convolution, reading dy in layout {@code dyMd}. */
    private static dnnl_primitive_desc convPd(Conv2d c, long[] pad, OneDnnPlan.Value x, dnnl_memory_desc_t dyMd,
                                              OneDnnPlan.Value y, OneDnnPlan plan, String what) {
        dnnl_memory_desc_t wAny = OneDnnPlan.weightsAnyLayout(c, c.weight().size(1));
        long[][] w = OneDnnPlan.convWindow(c, x.shape, pad);
        dnnl_convolution_desc_t fwd = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_dilated_convolution_forward_desc_init(fwd, dnnl_forward_training, dnnl_convolution_direct,
                x.md, wAny, null, dyMd, w[0], w[1], w[2], w[3]), what);
        dnnl_primitive_desc hint = plan.pd(fwd, null, null, what);
        dnnl_convolution_desc_t bwd = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_dilated_convolution_backward_data_desc_init(bwd, dnnl_convolution_direct,
                x.md, wAny, dyMd, w[0], w[1], w[2], w[3]), what);
        return plan.pd(bwd, plan.attr(), hint, what);
    }

    /**
     * A convolution at stride 1 as the forward convolution from dy to dx with the {@link #flipped}
     * weights, or null: strided, a forward padding wider than the kernel's extent, or no fast
     * kernel. Winograd's where the plan tries it and oneDNN has one. With {@code twin} (that
     * convolution, made first): the same convolution, Winograd only if the twin is, summing onto dx.
     */
    private static dnnl_primitive_desc flippedPd(Conv2d c, long[] pad, OneDnnPlan.Value x, OneDnnPlan.Value y,
                                                 dnnl_primitive_desc twin, OneDnnPlan plan, String what) {
        boolean sum = twin != null;
        long[][] w = OneDnnPlan.convWindow(c, x.shape, pad);
        if (w[0][0] != 1 || w[0][1] != 1) {
            return null;
        }
        // The kernel's extent less one, rows and columns (dilation d spreads k taps over (k-1)d + 1).
        long[] extent = {(c.weight().size(2) - 1) * (w[1][0] + 1), (c.weight().size(3) - 1) * (w[1][1] + 1)};
        long[][] window = {w[0], w[1], {extent[0] - w[2][0], extent[1] - w[2][1]}, {extent[0] - w[3][0], extent[1] - w[3][1]}};
        if (Math.min(Math.min(window[2][0], window[2][1]), Math.min(window[3][0], window[3][1])) < 0) {
            return null;
        }
        int G = c.spec().groups();
        long K = c.weight().size(0), I = c.weight().size(1), R = c.weight().size(2), S = c.weight().size(3);
        dnnl_memory_desc_t wAny = Dnnl.md(G == 1 ? new long[] {I, K, R, S} : new long[] {G, I, K / G, R, S}, dnnl_format_tag_any);
        dnnl_primitive_attr attr = plan.attr();
        if (sum) {
            dnnl_post_ops po = plan.own(new dnnl_post_ops());
            Dnnl.check(dnnl_post_ops_create(po), "dnnl_post_ops_create");
            Dnnl.check(dnnl_post_ops_append_sum(po, 1f), "dnnl_post_ops_append_sum");
            Dnnl.check(dnnl_primitive_attr_set_post_ops(attr, po), "dnnl_primitive_attr_set_post_ops");
        }
        boolean winograd = Winograd.eligible(c) && (twin == null || Dnnl.implementation(twin).contains(Winograd.BACKWARD_KERNEL));
        dnnl_primitive_desc pd = winograd ? plan.backwardWinograd(y.md, wAny, x.md, window, attr, what) : null;
        if (pd == null) {
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_dilated_convolution_forward_desc_init(d, dnnl_forward_inference, dnnl_convolution_direct,
                    y.md, wAny, null, x.md, window[0], window[1], window[2], window[3]), what);
            pd = plan.pd(d, attr, null, what);
        }
        return reference(pd) ? null : pd;
    }

    /**
     * The weights of the stride-1 convolution from dy to dx: per group, input and output channels
     * swapped and each kernel turned by 180 degrees, {@code f[g*I + i][o][R-1-r][S-1-s] =
     * w[g*O + o][i][r][s]} for OIHW weights of G groups of O outputs and I inputs.
     */
    static INDArray flipped(INDArray weights, int G) {
        float[] w = weights.castTo(DataType.FLOAT).dup('c').data().asFloat(); // a fresh buffer: a view's offset and strides gone
        long K = weights.size(0);
        int I = (int) weights.size(1), R = (int) weights.size(2), S = (int) weights.size(3), O = (int) (K / G);
        float[] f = new float[w.length];
        for (int g = 0; g < G; g++) {
            for (int o = 0; o < O; o++) {
                for (int i = 0; i < I; i++) {
                    int from = ((g * O + o) * I + i) * R * S, to = ((g * I + i) * O + o) * R * S;
                    for (int r = 0; r < R; r++) {
                        for (int s = 0; s < S; s++) {
                            f[to + (R - 1 - r) * S + (S - 1 - s)] = w[from + r * S + s];
                        }
                    }
                }
            }
        }
        return Nd4j.create(f, new long[] {(long) G * I, O, R, S}, 'c');
    }

    private static dnnl_primitive_desc poolPd(OneDnnPlan.Pooling pooling, OneDnnPlan.Value x, OneDnnPlan.Value y,
                                              dnnl_primitive_desc forward, OneDnnPlan plan, String what) {
        dnnl_primitive_desc hint = forward;
        if (hint == null) {
            hint = plan.pd(plan.poolDesc(pooling, x, y, dnnl_forward_training, what), null, null, what);
        }
        long[][] w = OneDnnPlan.poolWindow(pooling, x, what);
        dnnl_pooling_v2_desc_t bwd = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_backward_desc_init(bwd, pooling.algorithm(), x.md, y.md, w[0], w[1], w[2], w[3], w[4]), what);
        return plan.pd(bwd, plan.attr(), hint, what);
    }

    OneDnnBackward(OneDnnPlan plan, List<Pending> pending, Map<String, OneDnnPlan.Value> values, Map<String, String> wanted,
                   String input) {
        this.plan = plan;
        this.inputShape = values.get(input).shape;
        List<String> names = new ArrayList<>(values.keySet());
        diff = new dnnl_memory[names.size()];
        mds = new dnnl_memory_desc_t[names.size()];
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
            mds[i] = values.get(names.get(i)).md;
        }
        int[] shares = sharers(pending, new HashSet<>(wanted.values()), input);
        OneDnnPlan.Buffer[] buffers = new OneDnnPlan.Buffer[names.size()];
        long most = 64;
        for (int i = 0; i < names.size(); i++) {
            long bytes = Dnnl.bytes(mds[i]);
            most = Math.max(most, bytes);
            if (names.get(i).equals(input)) {
                // Pointed at the caller's result array on each backward (guarded mode: at a staging buffer).
                inputStage = plan.guarded() ? plan.buffer(bytes) : null;
                diff[i] = plan.memory(mds[i], 0);
            } else if (shares[i] < 0) {
                buffers[i] = plan.buffer(bytes);
                diff[i] = plan.memory(mds[i], buffers[i].address);
            }
        }
        for (int i = 0; i < names.size(); i++) {
            int root = i;
            while (shares[root] >= 0) {
                root = shares[root];
            }
            if (root != i) {
                diff[i] = plan.memory(mds[i], buffers[root].address);
            }
        }
        temp = plan.buffer(most);
        for (Pending p : pending) {
            steps.add(step(p, values, shares));
        }
        wanted.forEach((name, value) -> {
            OneDnnPlan.Value v = values.get(value);
            dnnl_memory plain = plan.memory(Dnnl.md(v.shape, dnnl_abcd), 0);
            OneDnnPlan.Buffer stage = plan.guarded() ? plan.buffer(Dnnl.bytes(Dnnl.md(v.shape, dnnl_abcd))) : null;
            given.add(new Given(name, v.shape, plain, copy(plain, Dnnl.md(v.shape, dnnl_abcd), index.get(value)), stage));
        });
    }

    /**
     * For each value, the value whose gradient buffer its own shares, or -1. Value v shares dy's
     * buffer of the op that reads it when that op passes dy on unchanged (an Add, a standalone
     * ReLU or Clip) and nothing else reads v, when v is neither the plan's input nor an output
     * given a gradient, and when the op that makes v never writes v's gradient in place (no
     * fused ReLU, no rectifier rule: that would change the dy that the op's other inputs, sharing
     * the same buffer, still have to read). Then nothing writes that buffer once its readers
     * begin: the op's own dy is complete before its backward, and every reader only reads it.
     *
     * <p>A residual block's input is read twice, by the block's first convolution and by its Add,
     * and would get a copy of the Add's dy. It shares that buffer too ({@link #sharesRead}) when the
     * buffer's readers are done before anything adds to it: every other reader of v runs after the
     * Add in the backward (comes before it in the plan) and after the ops that make the Add's
     * sharing inputs, which read the buffer as their dy. Their contributions then sum onto the
     * Add's dy in place, which is v's gradient: dy plus theirs.
     */
    private int[] sharers(List<Pending> pending, Set<String> outputs, String input) {
        int[] shares = new int[diff.length];
        Arrays.fill(shares, -1);
        Map<String, List<Integer>> readers = OneDnnFusion.readers(pending.stream().map(Pending::op).toList());
        Map<String, Pending> maker = new HashMap<>();
        for (Pending p : pending) {
            maker.put(p.op().out, p);
        }
        for (int t = 0; t < pending.size(); t++) {
            Pending p = pending.get(t);
            if (p.main() != null) {
                continue;
            }
            int out = index.get(p.op().out);
            for (String in : p.op().in) {
                Pending made = maker.get(in);
                int v = index.get(in);
                if (OneDnnFusion.privateTo(in, t, readers, outputs) && !in.equals(input) && made != null
                        && made.eltwise() == null && made.rule() == null && Dnnl.same(mds[v], mds[out])) {
                    shares[v] = out;
                }
            }
        }
        List<Integer> relaxed = new ArrayList<>();
        for (int t = 0; t < pending.size(); t++) {
            int v = pending.get(t).main() == null ? sharesRead(t, pending, readers, maker, outputs, input, shares) : -1;
            if (v >= 0) {
                relaxed.add(v);
            }
        }
        // With every buffer's sharers known: no op may read its dy from a buffer it writes or adds
        // an input's gradient to (other than by passing dy on in place). Where one would, the
        // inputs shared that way leave that buffer; undoing never joins two buffers, so this ends.
        boolean undone = true;
        while (undone) {
            undone = false;
            for (Pending p : pending) {
                int out = index.get(p.op().out);
                for (String in : p.op().in) {
                    int x = index.get(in);
                    if (!(p.main() == null && shares[x] == out) && root(shares, x) == root(shares, out)) {
                        int clash = root(shares, out);
                        for (int v : relaxed) {
                            if (shares[v] >= 0 && root(shares, v) == clash) {
                                shares[v] = -1;
                                undone = true;
                            }
                        }
                    }
                }
            }
        }
        sharedReads = (int) relaxed.stream().filter(v -> shares[v] >= 0).count();
        return shares;
    }

    /**
     * Lets one input v of pass-through op {@code t} that other ops read as well share t's dy
     * buffer, when v is not the plan's input nor a given output, t reads it once, every other
     * reader r of v comes before t in the plan (so its backward runs after t's), and every input of
     * t sharing the buffer already is made after every such r (so it is read as dy before any r
     * adds to it) by an op that computes its own dx (not one passing dy on: its inputs would share
     * the buffer too, and another such v among them would have its readers add to it while v's
     * do). The maker of v may then change v's gradient in place (a fused ReLU): it runs after
     * every r, when the buffer holds v's gradient alone. Returns v, or -1 when no input qualifies;
     * the caller undoes such shares where an op would read its dy from the buffer it writes to.
     */
    private int sharesRead(int t, List<Pending> pending, Map<String, List<Integer>> readers, Map<String, Pending> maker,
                            Set<String> outputs, String input, int[] shares) {
        OneDnnFusion.Op op = pending.get(t).op();
        int out = index.get(op.out);
        for (String in : op.in) {
            int v = index.get(in);
            List<Integer> rs = readers.getOrDefault(in, List.of());
            List<Integer> others = rs.stream().filter(r -> r != t).toList();
            if (shares[v] >= 0 || others.isEmpty() || rs.size() - others.size() != 1 || in.equals(input) || outputs.contains(in)
                    || maker.get(in) == null || !Dnnl.same(mds[v], mds[out]) || others.stream().anyMatch(r -> r > t)) {
                continue;
            }
            int lastOther = others.stream().mapToInt(Integer::intValue).max().orElseThrow();
            boolean siblingsReadFirst = true;
            for (String u : op.in) {
                int ui = index.get(u);
                Pending made = maker.get(u);
                if (ui != v && shares[ui] == out && (pending.indexOf(made) <= lastOther || made.main() == null)) {
                    siblingsReadFirst = false;
                }
            }
            if (siblingsReadFirst) {
                shares[v] = out;
                return v; // one such input per op: two would add their other readers' parts onto each other
            }
        }
        return -1;
    }

    /** How many values read by an Add and by other ops share the Add's gradient buffer. */
    int sharedReads() {
        return sharedReads;
    }

    private static int root(int[] shares, int v) {
        int root = v;
        while (shares[root] >= 0) {
            root = shares[root];
        }
        return root;
    }

    private Step step(Pending p, Map<String, OneDnnPlan.Value> values, int[] shares) {
        OneDnnFusion.Op op = p.op();
        String what = "backward of " + op.node.name();
        int out = index.get(op.out);
        List<Call> calls = new ArrayList<>();
        if (p.eltwise() != null) {
            calls.add(new Call(plan.primitive(p.eltwise()), plan.args(new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC, DNNL_ARG_SCRATCHPAD},
                    values.get(op.out).memory, diff[out], diff[out], scratch(p.eltwise())), 4, what));
        }
        if (p.rule() != null) {
            // relu(dy) in place: after the mask, relu(mask * dy) = mask * relu(dy) (guided).
            String rule = "rectifier rule at " + op.node.name();
            calls.add(new Call(eltwise(dnnl_eltwise_relu, 0f, mds[out], rule),
                    plan.args(new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, diff[out], diff[out]), 2, rule));
        }
        List<Contribution> contributions = new ArrayList<>();
        if (p.main() == null) {
            // Add, or a ReLU/Clip already applied in place: dy itself flows to each input.
            for (String in : op.in) {
                int x = index.get(in);
                contributions.add(shares[x] == out ? new Contribution(x, null, List.of()) : copy(diff[out], mds[out], x));
            }
            return new Step(out, calls, contributions);
        }
        int x = index.get(op.in.get(0));
        dnnl_memory dy = diff[out];
        if (p.dyMd() != null) {
            dnnl_memory reordered = plan.memory(p.dyMd(), plan.buffer(Dnnl.bytes(p.dyMd())).address);
            calls.add(new Call(plan.primitive(plan.reorderPd(mds[out], p.dyMd())),
                    plan.args(new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, dy, reordered), 2, what + " (dy reorder)"));
            dy = reordered;
        }
        if (p.accumulate() != null) {
            Conv2d c = (Conv2d) op.node.layer();
            INDArray w = flipped(c.weight(), c.spec().groups());
            int[] kinds = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_SCRATCHPAD, DNNL_ARG_DST};
            Call write = new Call(plan.primitive(p.main()), plan.args(kinds, dy, plan.weights(w, c.spec().groups(), p.main()),
                    scratch(p.main()), diff[x]), 4, what);
            Call sum = new Call(plan.primitive(p.accumulate()), plan.args(kinds, dy, plan.weights(w, c.spec().groups(), p.accumulate()),
                    scratch(p.accumulate()), diff[x]), 4, what);
            contributions.add(new Contribution(x, write, List.of(sum)));
            return new Step(out, calls, contributions);
        }
        dnnl_primitive main = plan.primitive(p.main());
        List<Integer> kinds = new ArrayList<>(List.of(DNNL_ARG_DIFF_DST));
        List<dnnl_memory> mems = new ArrayList<>(List.of(dy));
        if (op.node.layer() instanceof Conv2d c) {
            kinds.add(DNNL_ARG_WEIGHTS);
            mems.add(plan.weights(c, p.main()));
        }
        if (op.workspace != null) {
            kinds.add(DNNL_ARG_WORKSPACE);
            mems.add(op.workspace);
        }
        kinds.add(DNNL_ARG_SCRATCHPAD);
        mems.add(scratch(p.main()));
        kinds.add(DNNL_ARG_DIFF_SRC);
        int[] k = kinds.stream().mapToInt(Integer::intValue).toArray();
        dnnl_memory_desc_t dxMd = Dnnl.query(p.main(), dnnl_query_diff_src_md);
        if (Dnnl.same(dxMd, mds[x])) {
            dnnl_memory tempX = plan.memory(mds[x], temp.address);
            contributions.add(new Contribution(x, new Call(main, plan.args(k, with(mems, diff[x])), k.length, what),
                    List.of(new Call(main, plan.args(k, with(mems, tempX)), k.length, what), add(x, tempX, mds[x]))));
        } else {
            // The kernel writes another layout: into a buffer of its own, then reordered (or added) into place.
            dnnl_memory own = plan.memory(dxMd, plan.buffer(Dnnl.bytes(dxMd)).address);
            calls.add(new Call(main, plan.args(k, with(mems, own)), k.length, what));
            contributions.add(copy(own, dxMd, x));
        }
        return new Step(out, calls, contributions);
    }

    private static dnnl_memory[] with(List<dnnl_memory> first, dnnl_memory last) {
        List<dnnl_memory> all = new ArrayList<>(first);
        all.add(last);
        return all.toArray(dnnl_memory[]::new);
    }

    /** Contribution of {@code from} (layout {@code fromMd}) to value {@code x}: a reorder, or an add. */
    private Contribution copy(dnnl_memory from, dnnl_memory_desc_t fromMd, int x) {
        if (Dnnl.same(fromMd, mds[x])) {
            // A copy in the same layout: oneDNN's reorder takes a generic loop for it, its jitted
            // y = 1*x + 0 runs about 3x faster.
            Call copy = new Call(eltwise(dnnl_eltwise_linear, 1f, fromMd, "gradient copy"),
                    plan.args(new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, from, diff[x]), 2, "gradient copy");
            return new Contribution(x, copy, List.of(add(x, from, fromMd)));
        }
        dnnl_primitive reorder = plan.primitive(plan.reorderPd(fromMd, mds[x]));
        dnnl_memory tempX = plan.memory(mds[x], temp.address);
        int[] kinds = {DNNL_ARG_FROM, DNNL_ARG_TO};
        return new Contribution(x, new Call(reorder, plan.args(kinds, from, diff[x]), 2, "gradient"),
                List.of(new Call(reorder, plan.args(kinds, from, tempX), 2, "gradient"), add(x, tempX, mds[x])));
    }

    /** An inference eltwise {@code algorithm(alpha, beta = 0)} over memory of layout {@code md}. */
    private dnnl_primitive eltwise(int algorithm, float alpha, dnnl_memory_desc_t md, String what) {
        dnnl_eltwise_desc_t d = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(d, dnnl_forward_inference, algorithm, md, alpha, 0f), what);
        return plan.primitive(plan.pd(d, null, null, what));
    }

    /** {@code diff[x] += other}, in place. */
    private Call add(int x, dnnl_memory other, dnnl_memory_desc_t otherMd) {
        dnnl_binary_desc_t d = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(d, dnnl_binary_add, mds[x], otherMd, mds[x]), "gradient sum");
        return new Call(plan.primitive(plan.pd(d, null, null, "gradient sum")),
                plan.args(new int[] {DNNL_ARG_SRC, DNNL_ARG_SRC_1, DNNL_ARG_DST}, diff[x], other, diff[x]), 3, "gradient sum");
    }

    private dnnl_memory scratch(dnnl_primitive_desc pd) {
        return plan.memory(Dnnl.query(pd, dnnl_query_scratchpad_md), plan.scratchpad.address);
    }

    /** The gradient at the plan's input, given those at its outputs; runs on the plan's stream. */
    INDArray run(Map<String, INDArray> outputGradients, dnnl_stream stream) {
        boolean[] has = new boolean[diff.length];
        INDArray dx = Memory.uninitialized(DataType.FLOAT, inputShape);
        int in = index.get(plan.inputName());
        Dnnl.point(diff[in], inputStage != null ? inputStage.address : OneDnnPlan.address(dx));
        List<INDArray> alive = new ArrayList<>();
        for (Given g : given) {
            INDArray grad = outputGradients.get(g.name());
            if (grad == null) {
                continue;
            }
            if (!Arrays.equals(grad.shape(), g.shape())) {
                throw new IllegalArgumentException("gradient at '" + g.name() + "' must have shape " + Arrays.toString(g.shape())
                        + ", got " + Arrays.toString(grad.shape()));
            }
            INDArray dense = OneDnnPlan.dense(grad.dataType() == DataType.FLOAT ? grad : grad.castTo(DataType.FLOAT));
            alive.add(dense);
            if (g.stage() != null) {
                Dnnl.copy(g.stage().address, OneDnnPlan.address(dense), g.stage().bytes);
            }
            Dnnl.point(g.plain(), g.stage() != null ? g.stage().address : OneDnnPlan.address(dense));
            contribute(g.into(), has);
        }
        for (int s = steps.size() - 1; s >= 0; s--) {
            Step step = steps.get(s);
            if (!has[step.out()]) {
                continue;
            }
            for (Call c : step.calls()) {
                execute(c);
            }
            for (Contribution c : step.contributions()) {
                contribute(c, has);
            }
        }
        Dnnl.check(dnnl_stream_wait(stream), "dnnl_stream_wait");
        alive.clear();
        if (inputStage != null && has[in]) {
            Dnnl.copy(OneDnnPlan.address(dx), inputStage.address, inputStage.bytes);
        }
        if (!has[in]) {
            dx.assign(0);
        }
        return dx;
    }

    private void execute(Call c) {
        plan.execute(c.primitive(), c.args(), c.count(), c.what());
    }

    private void contribute(Contribution c, boolean[] has) {
        if (has[c.target()]) {
            c.accumulate().forEach(this::execute);
        } else if (c.write() != null) {
            execute(c.write());
        }
        has[c.target()] = true;
    }
}
