package org.xai4j.layers;

import static org.xai4j.layers.ConvKernels.as;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * A depthwise convolution (groups = C, m = K/C output channels per input channel) on ND4J's
 * depthwise kernel: output channel {@code k = c m + j} reads input channel c alone,
 * <pre>y[n,k,i,j'] = b[k] + sum_{r,s} W[k,0,r,s] x[n, k / m, i sH - padTop + r dH, j' sW - padLeft + s dW]</pre>
 * what its {@link Conv2d} computes with a block-diagonal weight C times larger. Howard et al.,
 * MobileNets, 2017.
 *
 * <p>depthwise_conv2d(_bp) reaches oneDNN only with weights [R, S, C, m] (weight format 0; with
 * OIHW it runs ND4J's own kernel, about 40x slower forward), so each call lays the small weight
 * out so. dx alone (an explanation's backward) at stride 1 and m = 1 is the same depthwise
 * convolution of dy with each kernel rotated by 180 degrees and pads {@code dH - pad}, so
 * the forward kernel does it; depthwise_conv2d_bp also forms dW and ran 1.5-3x slower on
 * MobileNetV2's large maps. Other cases take depthwise_conv2d_bp.
 */
public final class DepthwiseConv2d implements Layer<Conv2d.Cache>, Specialized<Conv2d> {
    private final Conv2d conv;
    private final ConvKernels kernels;

    /** The depthwise convolution {@code conv} (see {@link #applies}), whose weights this layer reads. */
    public DepthwiseConv2d(Conv2d conv) {
        if (!applies(conv)) {
            throw new IllegalArgumentException("DepthwiseConv2d needs groups = C > 1 and weight [C*m, 1, R, S], got " + conv.describe());
        }
        this.conv = conv;
        this.kernels = new ConvKernels(conv.weight().size(2), conv.weight().size(3), conv.spec());
    }

    /** Groups above 1 with one input channel per group. */
    public static boolean applies(Conv2d c) {
        return c.spec().groups() > 1 && c.weight().size(1) == 1;
    }

    @Override
    public Conv2d reference() {
        return conv;
    }

    @Override
    public Forward<Conv2d.Cache> forward(INDArray... in) {
        INDArray x = in[0];
        long[] yShape = conv.outputShape(new long[][] {x.shape()});
        Conv2d.Plan plan = conv.plan((int) x.size(2), (int) x.size(3));
        INDArray y = Memory.uninitialized(x.dataType(), yShape);
        INDArray xp = plan.padInput() ? ConvKernels.padded(x, plan) : x;
        INDArray w = layout(as(conv.weight(), x.dataType()));
        INDArray[] inputs = conv.bias() == null ? new INDArray[] {xp, w} : new INDArray[] {xp, w, as(conv.bias(), x.dataType())};
        kernels.run("depthwise_conv2d", inputs, new INDArray[] {y}, plan);
        if (xp != x) {
            Memory.recycle(xp);
        }
        w.close();
        return Forward.of(y, new Conv2d.Cache(x, plan));
    }

    @Override
    public long[] outputShape(long[]... x) {
        return conv.outputShape(x);
    }

    @Override
    public long scratchValues(long[]... x) {
        return conv.scratchValues(x);
    }

    @Override
    public Backward backward(Conv2d.Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        Conv2d.Plan plan = cache.plan();
        if (!need.input(0) && !need.parameters()) {
            return Backward.of((INDArray) null);
        }
        if (!need.parameters()) {
            INDArray dx = rotated(dy, x.shape(), plan);
            if (dx != null) {
                return Backward.of(dx);
            }
        }
        INDArray xp = plan.padInput() ? ConvKernels.padded(x, plan) : x;
        INDArray w = layout(as(conv.weight(), x.dataType()));
        INDArray[] grads = {Memory.uninitialized(x.dataType(), xp.shape()), Memory.uninitialized(x.dataType(), w.shape())};
        kernels.run("depthwise_conv2d_bp", new INDArray[] {xp, w, dy}, grads, plan);
        INDArray dx = !need.input(0) ? null : plan.padInput() ? ConvKernels.crop(grads[0], x.shape(), plan.top(), plan.left()) : grads[0];
        if (xp != x) {
            Memory.recycle(xp);
        }
        w.close();
        if (dx != grads[0]) {
            Memory.recycle(grads[0]);
        }
        if (!need.parameters()) {
            Memory.recycle(grads[1]);
            return Backward.of(dx);
        }
        // The gradient of the [R, S, C, m] weight back to OIHW.
        INDArray dW = grads[1].permute(2, 3, 0, 1).dup('c').reshape(conv.weight().shape());
        Memory.recycle(grads[1]);
        return Backward.of(new INDArray[] {dx}, conv.parameterGradients(dW, dy));
    }

    /** OIHW [C*m, 1, R, S] as [R, S, C, m] (output channel k = c*m + j): a copy of the small weight per call. */
    private INDArray layout(INDArray w) {
        long C = conv.spec().groups();
        INDArray laid = w.reshape(C, w.size(0) / C, w.size(2), w.size(3)).permute(2, 3, 0, 1).dup('c');
        if (w != conv.weight()) {
            w.close();
        }
        return laid;
    }

    /** dx by the forward kernel with rotated kernels, or null where that does not apply (see the class comment). */
    private INDArray rotated(INDArray dy, long[] xShape, Conv2d.Plan plan) {
        ConvSpec spec = conv.spec();
        long C = xShape[1], R = conv.weight().size(2), S = conv.weight().size(3);
        int padH = (int) (R - 1) * spec.dilationH() - plan.padH();
        int padW = (int) (S - 1) * spec.dilationW() - plan.padW();
        if (spec.strideH() != 1 || spec.strideW() != 1 || conv.weight().size(0) != C || plan.same() || plan.padInput() || padH < 0 || padW < 0) {
            return null;
        }
        INDArray w = as(conv.weight(), dy.dataType());
        // Rotated and in layout [R, S, C, 1]: wr[(r S + s) C + c] = W[c, 0, R-1-r, S-1-s].
        INDArray rotated = Memory.uninitialized(w.dataType(), R, S, C, 1);
        PoolGeometry.Values from = PoolGeometry.Values.of(PoolGeometry.dense(w));
        PoolGeometry.Values to = PoolGeometry.Values.of(rotated);
        int taps = (int) (R * S);
        for (int c = 0; c < C; c++) {
            for (int q = 0; q < taps; q++) {
                to.set(q * (int) C + c, from.get(c * taps + taps - 1 - q));
            }
        }
        if (w != conv.weight()) {
            w.close();
        }
        INDArray dx = Memory.uninitialized(dy.dataType(), xShape);
        kernels.run("depthwise_conv2d", new INDArray[] {dy, rotated}, new INDArray[] {dx}, padH, padW, false);
        Memory.recycle(rotated);
        return dx;
    }

    @Override
    public Map<String, INDArray> parameters() {
        return conv.parameters();
    }

    @Override
    public String describe() {
        return conv.describe();
    }
}
