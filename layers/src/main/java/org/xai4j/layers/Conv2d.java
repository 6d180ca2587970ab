package org.xai4j.layers;

import static org.xai4j.layers.ConvKernels.as;
import static org.xai4j.layers.ConvKernels.channels;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * 2-D convolution (cross-correlation) of NCHW activations, with stride, pads, dilation and groups.
 *
 * <pre>y[n,k,i,j] = b[k] + sum_{c,r,s} W[k,c,r,s] x[n, g(k) C/G + c, i sH - padTop + r dH, j sW - padLeft + s dW]</pre>
 * where {@code g(k) = k / (K/G)} and x reads 0 outside the image. x [N,C,H,W], W [K,C/G,R,S]
 * (OIHW), b [K] or none, y [N,K,OH,OW] with {@code OH = (H + padTop + padBottom - (R-1) dH - 1) / sH + 1}.
 * Backward: dx is the transposed convolution of dy with W, dW correlates x with dy, db sums dy.
 * LeCun et al. 1998; groups: Krizhevsky et al. 2012; depthwise (G = C): Howard et al. 2017.
 *
 * <p>Runs on ND4J's kernels ({@link ConvKernels}); {@link org.xai4j.layers.loops.Loops#conv} is the
 * same formula as plain loops, and the tests hold the two equal.
 */
public final class Conv2d implements Layer<Conv2d.Cache> {
    private final INDArray weight;
    private final INDArray bias;
    private final ConvSpec spec;
    private final ConvKernels kernels;

    /** The input (alive anyway as the previous activation) and how ND4J ran this input size. */
    public record Cache(INDArray x, Plan plan) {}

    /**
     * The pads for one input size, and how ND4J realises them: its own symmetric pads
     * ({@code padH, padW}), TensorFlow-"same" mode ({@code same}: the odd pixel at the bottom/right,
     * MobileNet's [0,0,1,1] at even sizes), or else by padding x ourselves ({@code padInput}).
     */
    public record Plan(int top, int left, int bottom, int right, int padH, int padW, boolean same, boolean padInput) {}

    /** weight [K, C/groups, R, S] (OIHW), bias [K] or null. */
    public Conv2d(INDArray weight, INDArray bias, ConvSpec spec) {
        if (weight.rank() != 4) {
            throw new IllegalArgumentException("Conv2d weight must be [K, C/groups, R, S], got " + Arrays.toString(weight.shape()));
        }
        if (weight.size(0) % spec.groups() != 0) {
            throw new IllegalArgumentException("Conv2d: K = " + weight.size(0) + " output channels is not divisible by groups = " + spec.groups());
        }
        if (bias != null && bias.length() != weight.size(0)) {
            throw new IllegalArgumentException("Conv2d bias must have K = " + weight.size(0) + " entries, got " + Arrays.toString(bias.shape()));
        }
        this.weight = weight;
        this.bias = bias;
        this.spec = spec;
        this.kernels = new ConvKernels(weight.size(2), weight.size(3), spec);
    }

    public INDArray weight() { return weight; }
    public INDArray bias() { return bias; }
    public ConvSpec spec() { return spec; }

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = in[0];
        int G = spec.groups();
        if (x.rank() != 4 || x.size(1) != weight.size(1) * G) {
            throw new IllegalArgumentException("Conv2d expects x [N, " + weight.size(1) * G + ", H, W], got " + Arrays.toString(x.shape()));
        }
        Plan plan = plan((int) x.size(2), (int) x.size(3));
        INDArray y = Memory.uninitialized(x.dataType(), outputShape(x.shape(), plan));
        if (kernels.pointwise(plan, x.size(2), x.size(3))) {
            INDArray w = as(weight, x.dataType());
            ConvKernels.pointwiseForward(x, w, bias == null ? null : as(bias, x.dataType()), y);
            releaseScratch(x, x, w);
            return Forward.of(y, new Cache(x, plan));
        }
        if (G > 1 && !isDepthwise()) {
            for (int g = 0; g < G; g++) {
                INDArray yg = group(g).forward(channels(x, g, weight.size(1))).y();
                y.get(NDArrayIndex.all(), NDArrayIndex.interval(g * yg.size(1), (g + 1) * yg.size(1))).assign(yg);
            }
            return Forward.of(y, new Cache(x, plan));
        }
        INDArray xp = plan.padInput() ? ConvKernels.padded(x, plan) : x;
        INDArray w = isDepthwise() ? ConvKernels.depthwiseWeight(as(weight, x.dataType()), G) : as(weight, x.dataType());
        INDArray[] inputs = bias == null ? new INDArray[] {xp, w} : new INDArray[] {xp, w, as(bias, x.dataType())};
        kernels.run(isDepthwise() ? "depthwise_conv2d" : "conv2d", inputs, new INDArray[] {y}, plan);
        releaseScratch(x, xp, w);
        return Forward.of(y, new Cache(x, plan));
    }

    /**
     * ND4J's own kernels (dilated, grouped or unblocked calls) unfold the input into columns of
     * N x C/G x R x S x OH x OW values; oneDNN's need less, but which one runs is not known when
     * the pass is planned. Measured: the Teachable Machine model at 9999x9999, planned without
     * this at under 11 GiB, was killed by the kernel at 23.9 GB resident.
     */
    @Override
    public long scratchValues(long[]... x) {
        long[] y = outputShape(x);
        long rs = weight.size(2) * weight.size(3);
        if (rs == 1) {
            return 0;
        }
        long columns = y[0] * weight.size(1) * (isDepthwise() ? spec.groups() : 1);
        for (long f : new long[] {rs, y[2], y[3]}) {
            columns = f != 0 && columns > Long.MAX_VALUE / f ? Long.MAX_VALUE : columns * f;
        }
        return columns;
    }

    @Override
    public long[] outputShape(long[]... x) {
        if (x[0].length != 4 || x[0][1] != weight.size(1) * spec.groups()) {
            throw new IllegalArgumentException("Conv2d expects x [N, " + weight.size(1) * spec.groups() + ", H, W], got "
                    + Arrays.toString(x[0]));
        }
        return outputShape(x[0]);
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        Plan plan = cache.plan();
        if (spec.groups() > 1 && !isDepthwise()) {
            return groupsBackward(cache, dy, need);
        }
        if (!need.parameters()) {
            // The explainers' path: dx alone, no dW pass.
            INDArray w = as(weight, x.dataType());
            INDArray dx = !need.input(0) ? null
                    : isDepthwise() ? kernels.depthwiseTransposed(dy, w, x.shape(), plan) : kernels.transposed(dy, w, x.shape(), plan);
            if (dx != null || !need.input(0)) {
                return Backward.of(dx);
            }
        }
        if (kernels.pointwise(plan, x.size(2), x.size(3))) {
            // Matrix products (ConvKernels.pointwiseForward says why); db sums dy as for any kernel.
            INDArray w = as(weight, x.dataType());
            INDArray dx = need.input(0) ? ConvKernels.pointwiseInputGradient(dy, w, x.shape()) : null;
            INDArray dW = ConvKernels.pointwiseWeightGradient(x, dy);
            releaseScratch(x, x, w);
            return Backward.of(new INDArray[] {dx}, parameterGradients(dW, dy));
        }
        // conv2d_bp / depthwise_conv2d_bp form dx and dW together (the only depthwise dx call for strides > 1).
        INDArray xp = plan.padInput() ? ConvKernels.padded(x, plan) : x;
        INDArray w = isDepthwise() ? ConvKernels.depthwiseWeight(as(weight, x.dataType()), spec.groups()) : as(weight, x.dataType());
        INDArray[] grads = {Memory.uninitialized(x.dataType(), xp.shape()), Memory.uninitialized(x.dataType(), w.shape())};
        kernels.run(isDepthwise() ? "depthwise_conv2d_bp" : "conv2d_bp", new INDArray[] {xp, w, dy}, grads, plan);
        INDArray dx = !need.input(0) ? null : plan.padInput() ? ConvKernels.crop(grads[0], x.shape(), plan.top(), plan.left()) : grads[0];
        releaseScratch(x, xp, w);
        if (dx != grads[0]) {
            Memory.recycle(grads[0]);
        }
        if (!need.parameters()) {
            Memory.recycle(grads[1]);
            return Backward.of(dx);
        }
        INDArray dW = isDepthwise() ? ConvKernels.depthwiseWeightGradient(grads[1], weight.shape()) : grads[1];
        if (dW != grads[1]) {
            Memory.recycle(grads[1]);
        }
        return Backward.of(new INDArray[] {dx}, parameterGradients(dW, dy));
    }

    /**
     * Frees the per-call copies (the padded input, the depthwise weight in ND4J's layout) at once:
     * left to the GC they pile up off-heap, since the Java heap sees almost no pressure.
     */
    private void releaseScratch(INDArray x, INDArray xp, INDArray w) {
        if (xp != x) {
            Memory.recycle(xp);
        }
        if (w != weight) {
            w.close();
        }
    }

    /** Groups other than depthwise: G independent convolutions on channel slices (ResNeXt-style, rare). */
    private Backward groupsBackward(Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        long Cg = weight.size(1);
        long Kg = weight.size(0) / spec.groups();
        INDArray dx = need.input(0) ? Memory.uninitialized(x.dataType(), x.shape()) : null;
        INDArray dW = need.parameters() ? Memory.uninitialized(x.dataType(), weight.shape()) : null;
        for (int g = 0; g < spec.groups(); g++) {
            Backward b = group(g).backward(new Cache(channels(x, g, Cg), cache.plan()), channels(dy, g, Kg), need);
            if (dx != null) {
                dx.get(NDArrayIndex.all(), NDArrayIndex.interval(g * Cg, (g + 1) * Cg)).assign(b.dx()[0]);
            }
            if (dW != null) {
                dW.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).assign(b.dParameters().get("weight"));
            }
        }
        return dW == null ? Backward.of(dx) : Backward.of(new INDArray[] {dx}, parameterGradients(dW, dy));
    }

    private Map<String, INDArray> parameterGradients(INDArray dW, INDArray dy) {
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("weight", as(dW, weight.dataType()));
        if (bias != null) {
            grads.put("bias", as(dy.sum(0, 2, 3), bias.dataType()));
        }
        return grads;
    }

    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("weight", weight);
        if (bias != null) {
            p.put("bias", bias);
        }
        return p;
    }

    @Override
    public String describe() {
        long C = weight.size(1) * spec.groups();
        return "Conv2d " + C + "->" + weight.size(0) + " " + weight.size(2) + "x" + weight.size(3)
                + " stride " + spec.strideH() + "x" + spec.strideW()
                + (spec.padding() == Padding.EXPLICIT
                        ? " pads [" + spec.padTop() + "," + spec.padLeft() + "," + spec.padBottom() + "," + spec.padRight() + "]"
                        : " " + spec.padding())
                + (spec.dilationH() * spec.dilationW() > 1 ? " dilation " + spec.dilationH() + "x" + spec.dilationW() : "")
                + (spec.groups() > 1 ? " groups " + spec.groups() : "")
                + (bias == null ? " no bias" : "");
    }

    /** Pads for an H x W input and the ND4J call that realises them. */
    public Plan plan(int H, int W) {
        int R = (int) weight.size(2);
        int S = (int) weight.size(3);
        int[] ph = spec.padding().pads(H, R, spec.strideH(), spec.dilationH(), spec.padTop(), spec.padBottom());
        int[] pw = spec.padding().pads(W, S, spec.strideW(), spec.dilationW(), spec.padLeft(), spec.padRight());
        if (ph[0] == ph[1] && pw[0] == pw[1]) {
            return new Plan(ph[0], pw[0], ph[1], pw[1], ph[0], pw[0], false, false);
        }
        int[] sameH = Padding.SAME_UPPER.pads(H, R, spec.strideH(), spec.dilationH(), 0, 0);
        int[] sameW = Padding.SAME_UPPER.pads(W, S, spec.strideW(), spec.dilationW(), 0, 0);
        boolean same = Arrays.equals(ph, sameH) && Arrays.equals(pw, sameW);
        return new Plan(ph[0], pw[0], ph[1], pw[1], 0, 0, same, !same);
    }

    /** The output shape [N, K, OH, OW] for an input of shape [N, C, H, W]. */
    public long[] outputShape(long[] xShape) {
        return outputShape(xShape, plan((int) xShape[2], (int) xShape[3]));
    }

    private long[] outputShape(long[] x, Plan p) {
        long OH = (x[2] + p.top() + p.bottom() - (weight.size(2) - 1) * spec.dilationH() - 1) / spec.strideH() + 1;
        long OW = (x[3] + p.left() + p.right() - (weight.size(3) - 1) * spec.dilationW() - 1) / spec.strideW() + 1;
        if (OH < 1 || OW < 1) {
            throw new IllegalArgumentException("Conv2d " + weight.size(2) + "x" + weight.size(3) + " kernel does not fit input "
                    + Arrays.toString(x) + " with pads " + Arrays.asList(p.top(), p.left(), p.bottom(), p.right()));
        }
        return new long[] {x[0], weight.size(0), OH, OW};
    }

    private boolean isDepthwise() {
        return spec.groups() > 1 && weight.size(1) == 1;
    }

    /** The groups = 1 convolution of group g: its K/G weight rows and bias entries (read live, not cached). */
    private Conv2d group(int g) {
        long Kg = weight.size(0) / spec.groups();
        INDArray rows = weight.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).dup('c');
        INDArray b = bias == null ? null : bias.reshape(bias.length()).get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).dup();
        return new Conv2d(rows, b, spec.withGroups(1));
    }
}
