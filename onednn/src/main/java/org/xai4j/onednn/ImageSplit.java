package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_ab;
import static org.bytedeco.dnnl.global.dnnl.dnnl_abcd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a split plan of a batch of several images runs each step as parts over its images: part i
 * computes images [b_i, b_{i+1}) with one-threaded kernels and the same weights. Every layout a
 * plan writes keeps an image's values together (the batch is the outermost dimension), so a part
 * is an ordinary primitive over fewer images whose source and destination start at an offset, and
 * every op of an inference plan (convolution, pooling, addition, ReLU, the classifier head) treats
 * each image alone. The batch must divide evenly over the threads ({@link ChannelSplit#parts}).
 *
 * <p>Why: at a batch of several images a plan runs whole on OpenMP's threads, which xai4j runs
 * passive, so each of MobileNetV2's 54 primitives first wakes a sleeping thread. MobileNetV2 at
 * batch 8 ran 4-7% faster with OpenMP's threads spinning (median 22.6-22.9 against 23.9-24.3 ms),
 * and two passes of 4 images at once, one thread each, took 0.89 of the time of one pass of 8 on
 * OpenMP's two threads (19.8 against 22.2 ms, faster in 18 of 20 alternating blocks). The
 * ResNets, whose convolutions are 15-100 times larger, gained nothing so (ResNet-50 176.7 against
 * 174.4 ms, ResNet-18 65.3 against 60.7): the bound on multiply-adds that decides which plans
 * split keeps them on OpenMP.
 */
final class ImageSplit {
    private ImageSplit() {}

    /**
     * The parts of {@code op} (writing {@code y}) over {@code parts} threads, or null when the op
     * runs whole. Part values point into the buffers the whole op's values occupy now; a part of
     * the plan's own input has no buffer and an offset, and the plan points it anew every run.
     */
    static List<ChannelSplit.Part> split(OneDnnPlan plan, OneDnnFusion.Op op, Map<String, OneDnnPlan.Value> values, OneDnnPlan.Value y,
                                         int parts) {
        long n = y.shape[0];
        if (parts < 2 || n % parts != 0) {
            return null;
        }
        List<String> names = new ArrayList<>(op.in);
        names.add(op.out);
        for (String name : names) {
            OneDnnPlan.Value v = values.get(name);
            if (v.shape[0] != n || tag(plan, v) == null) {
                return null;
            }
        }
        List<ChannelSplit.Part> result = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            long b0 = n * i / parts, b1 = n * (i + 1) / parts;
            Map<String, OneDnnPlan.Value> partValues = new HashMap<>();
            for (String name : names) {
                partValues.put(name, images(plan, values.get(name), b0, b1));
            }
            result.add(new ChannelSplit.Part(ChannelSplit.copy(op, op.node.layer()), partValues, "images", b0, b1));
        }
        return result;
    }

    /** The layout tag {@code v} is written in, of those a plan writes (its own, or the plain one of its input), or null. */
    private static Integer tag(OneDnnPlan plan, OneDnnPlan.Value v) {
        int own = v.shape.length == 2 ? dnnl_ab : plan.layout.tag();
        if (Dnnl.same(v.md, Dnnl.md(v.shape, own))) {
            return own;
        }
        int plain = v.shape.length == 2 ? dnnl_ab : dnnl_abcd;
        return Dnnl.same(v.md, Dnnl.md(v.shape, plain)) ? plain : null;
    }

    /** Images [b0, b1) of {@code v}: one stretch of its buffer (or, for the plan's input, of whatever array a run brings). */
    private static OneDnnPlan.Value images(OneDnnPlan plan, OneDnnPlan.Value v, long b0, long b1) {
        long[] shape = v.shape.clone();
        shape[0] = b1 - b0;
        return plan.part(v, shape, Dnnl.md(shape, tag(plan, v)), b0 * (Dnnl.bytes(v.md) / v.shape[0]));
    }
}
