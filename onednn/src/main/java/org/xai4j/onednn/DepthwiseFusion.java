package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.FloatPointer;
import org.xai4j.layers.Conv2d;

/**
 * A 1x1 convolution and the depthwise 3x3 convolution that reads its output as one oneDNN
 * primitive, MobileNetV2's expansion and depthwise steps: oneDNN's {@code dw_k3s1p1} /
 * {@code dw_k3s2p1} post-op computes the depthwise rows from the 1x1's rows while they are in
 * cache, so the expanded tensor is never written out, and the pair costs one wake of the OpenMP
 * team instead of two. Inference plans only (backward reads the 1x1's output), where the 1x1 has
 * stride 1, no padding and no groups, the depthwise convolution pads 1 on every side with stride
 * 1 or 2, each keeps at most its one ReLU/Clip post-op, neither sums a residual, and the value in
 * between is read by the depthwise convolution alone and not wanted back.
 *
 * <p>oneDNN 2.5.2 decides the rest when the primitive descriptor is created
 * ({@code jit_avx512_common_1x1_convolution.hpp}, {@code jit_avx2_1x1_convolution.hpp},
 * {@code depthwise_po_init}): f32 on nChw16c (AVX-512) or nChw8c (AVX2), the expanded channels a
 * whole number of blocks, and the expanded tensor larger than twice the L2 cache of all threads
 * (its heuristic: 512 KiB per core where it cannot read the cache size, as on AMD; so at two
 * threads MobileNetV2 fuses 1 of its 16 pairs at batch 1 and 13 at batch 8 where the plan runs
 * whole; split plans, at batch 1 and at batches split by images ({@link ImageSplit}), fuse none). Where it declines, the
 * primitive it falls back to is {@code ref_fused_convolution}, which runs the two kernels one after
 * the other with the expanded tensor in its scratchpad: no gain, so the plan splits the pair back
 * into two primitives ({@link #split}). Switched by {@code -Dxai4j.onednn.fuseDepthwise}, read
 * when a plan compiles.
 */
final class DepthwiseFusion {
    static final String PROPERTY = "xai4j.onednn.fuseDepthwise";

    private DepthwiseFusion() {}

    /** Whether plans compiled from now on fuse the pairs (the property; true unless set to false). */
    static boolean requested() {
        return Switches.on(PROPERTY);
    }

    /**
     * Folds each depthwise convolution into the 1x1 convolution just before it where the pair
     * qualifies (above): the 1x1's op then writes the depthwise output. {@code shapes}: every
     * value's NCHW shape.
     */
    static void fuse(List<OneDnnFusion.Op> ops, Set<String> wanted, Map<String, long[]> shapes) {
        Map<String, List<Integer>> readers = OneDnnFusion.readers(ops);
        List<OneDnnFusion.Op> kept = new ArrayList<>();
        for (int t = 0; t < ops.size(); t++) {
            OneDnnFusion.Op op = ops.get(t);
            OneDnnFusion.Op next = t + 1 < ops.size() ? ops.get(t + 1) : null;
            if (next != null && next.in.equals(List.of(op.out)) && OneDnnFusion.privateTo(op.out, t + 1, readers, wanted)
                    && pointwise(op, shapes) && stride(next, shapes) > 0) {
                op.depthwise = next;
                op.out = next.out;
                kept.add(op);
                t++;
                continue;
            }
            kept.add(op);
        }
        ops.clear();
        ops.addAll(kept);
    }

    /** A 1x1 convolution oneDNN could fuse a depthwise one into: stride 1, no padding, no groups, no sum. */
    private static boolean pointwise(OneDnnFusion.Op op, Map<String, long[]> shapes) {
        if (!(op.node.layer() instanceof Conv2d c) || op.sumOnto != null || op.eltwise.size() > 1 || op.depthwise != null) {
            return false;
        }
        long[][] w = OneDnnPlan.convWindow(c, shapes.get(op.in.get(0)), op.pad);
        return c.spec().groups() == 1 && c.weight().size(2) == 1 && c.weight().size(3) == 1
                && Arrays.equals(w[0], new long[] {1, 1}) && Arrays.equals(w[1], new long[] {0, 0})
                && Arrays.equals(w[2], new long[] {0, 0}) && Arrays.equals(w[3], new long[] {0, 0});
    }

    /**
     * The stride (1 or 2) of a depthwise 3x3 convolution padded 1 on every side, no dilation, no
     * sum; 0 for any other op.
     */
    private static int stride(OneDnnFusion.Op op, Map<String, long[]> shapes) {
        if (!(op.node.layer() instanceof Conv2d c) || op.sumOnto != null || op.eltwise.size() > 1) {
            return 0;
        }
        long C = shapes.get(op.in.get(0))[1];
        long[][] w = OneDnnPlan.convWindow(c, shapes.get(op.in.get(0)), op.pad);
        boolean depthwise3x3 = c.spec().groups() == C && c.weight().size(0) == C && c.weight().size(1) == 1
                && c.weight().size(2) == 3 && c.weight().size(3) == 3;
        boolean window = w[0][0] == w[0][1] && (w[0][0] == 1 || w[0][0] == 2) && Arrays.equals(w[1], new long[] {0, 0})
                && Arrays.equals(w[2], new long[] {1, 1}) && Arrays.equals(w[3], new long[] {1, 1});
        return depthwise3x3 && window ? (int) w[0][0] : 0;
    }

    /**
     * The fused forward-inference primitive descriptor of {@code op} (a 1x1 with its depthwise
     * partner), owned by {@code plan}; null where oneDNN has no fused kernel for it, then the
     * caller {@link #split}s the pair. {@code y}: the depthwise output's descriptor in the plan's
     * layout, which the fused primitive must write.
     */
    static dnnl_primitive_desc primitiveDesc(OneDnnPlan plan, OneDnnFusion.Op op, Map<String, OneDnnPlan.Value> values,
                                             dnnl_memory_desc_t y) {
        Conv2d c = (Conv2d) op.node.layer();
        OneDnnFusion.Op dw = op.depthwise;
        Conv2d d = (Conv2d) dw.node.layer();
        OneDnnPlan.Value x = values.get(op.in.get(0));
        long[] mid = values.get(dw.in.get(0)).shape;
        int stride = (int) d.spec().strideH();
        dnnl_post_ops po = plan.own(new dnnl_post_ops());
        Dnnl.check(dnnl_post_ops_create(po), "dnnl_post_ops_create");
        for (float[] e : op.eltwise) {
            Dnnl.check(dnnl_post_ops_append_eltwise(po, 1f, (int) e[0], e[1], e[2]), "dnnl_post_ops_append_eltwise");
        }
        int bias = d.bias() == null ? dnnl_data_type_undef : dnnl_f32;
        Dnnl.check(stride == 1 ? dnnl_post_ops_append_dw_k3s1p1(po, dnnl_f32, bias, dnnl_f32, 0, 0, (FloatPointer) null)
                : dnnl_post_ops_append_dw_k3s2p1(po, dnnl_f32, bias, dnnl_f32, 0, 0, (FloatPointer) null), "dnnl_post_ops_append_dw");
        for (float[] e : dw.eltwise) {
            Dnnl.check(dnnl_post_ops_append_eltwise(po, 1f, (int) e[0], e[1], e[2]), "dnnl_post_ops_append_eltwise");
        }
        dnnl_primitive_attr attr = plan.attr();
        Dnnl.check(dnnl_primitive_attr_set_post_ops(attr, po), "dnnl_primitive_attr_set_post_ops");
        dnnl_convolution_desc_t cd = plan.own(new dnnl_convolution_desc_t());
        long[] zero = {0, 0};
        dnnl_memory_desc_t b = hasBias(op) ? Dnnl.md(new long[] {c.weight().size(0)}, dnnl_a) : null;
        int status = dnnl_dilated_convolution_forward_desc_init(cd, dnnl_forward_inference, dnnl_convolution_direct, x.md,
                OneDnnPlan.weightsAnyLayout(c, c.weight().size(1)), b, Dnnl.md(mid, plan.layout.tag()), new long[] {1, 1}, zero, zero, zero);
        if (status != dnnl_success) {
            return null;
        }
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        if (dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(cd), attr, Dnnl.ENGINE, null) != dnnl_success) {
            pd.close();
            return null;
        }
        // ref_fused_convolution runs the two kernels one after the other: nothing gained.
        if (Dnnl.implementation(pd).startsWith("ref") || !Dnnl.same(Dnnl.query(pd, dnnl_query_dst_md), y)) {
            dnnl_primitive_desc_destroy(pd);
            return null;
        }
        return plan.own(pd);
    }

    /**
     * Whether the fused primitive of {@code op} takes a bias for its 1x1 part: where the 1x1 has
     * one, and also where only the depthwise convolution has one. oneDNN 2.5.2's fused kernels
     * ({@code jit_avx512_common_1x1_convolution.cpp} and {@code jit_avx2_1x1_convolution.cpp},
     * {@code execute_forward_thr}: {@code if (bias) par_conv_dw.bias = &bias_dw[...]}) hand the
     * depthwise kernel its bias only when the 1x1 has one, and read garbage otherwise (the plan
     * fuzz: every value wrong). Such a 1x1 gets a bias of zeros.
     */
    static boolean hasBias(OneDnnFusion.Op op) {
        return ((Conv2d) op.node.layer()).bias() != null || ((Conv2d) op.depthwise.node.layer()).bias() != null;
    }

    /** Undoes the fusion of op {@code t}: it writes the 1x1's output again, and the depthwise op runs after it. */
    static void split(List<OneDnnFusion.Op> ops, int t) {
        OneDnnFusion.Op op = ops.get(t);
        OneDnnFusion.Op dw = op.depthwise;
        op.depthwise = null;
        op.out = dw.in.get(0);
        ops.add(t + 1, dw);
    }

    /** How a fused op reads in a plan's description: the depthwise node and its post-op after the 1x1's. */
    static String describe(OneDnnFusion.Op op) {
        OneDnnFusion.Op dw = op.depthwise;
        return " + depthwise " + dw.node.name() + (dw.fused.isEmpty() ? "" : " + " + dw.fused);
    }
}
