package org.xai4j.layers;

import static org.xai4j.layers.ConvKernels.as;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
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
 * <p>One way for every spec: ND4J's conv2d, conv2d_bp and deconv2d ({@link ConvKernels}), with
 * groups as one convolution by a block-diagonal weight. {@link org.xai4j.layers.loops.Loops#conv}
 * is the same formula as plain loops, and the tests hold the two equal. The faster ways for 1x1,
 * depthwise and grouped convolutions are {@link PointwiseConv2d}, {@link DepthwiseConv2d} and
 * {@link GroupedConv2d}, put in its place by {@link Specialization}.
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
        if (x.rank() != 4 || x.size(1) != weight.size(1) * spec.groups()) {
            throw new IllegalArgumentException("Conv2d expects x [N, " + weight.size(1) * spec.groups() + ", H, W], got " + Arrays.toString(x.shape()));
        }
        Plan plan = plan((int) x.size(2), (int) x.size(3));
        INDArray y = Memory.uninitialized(x.dataType(), outputShape(x.shape(), plan));
        INDArray xp = plan.padInput() ? ConvKernels.padded(x, plan) : x;
        INDArray w = ungrouped(x.dataType());
        INDArray[] inputs = bias == null ? new INDArray[] {xp, w} : new INDArray[] {xp, w, as(bias, x.dataType())};
        kernels.run("conv2d", inputs, new INDArray[] {y}, plan);
        releaseScratch(x, xp, w);
        return Forward.of(y, new Cache(x, plan));
    }

    /**
     * ND4J's own kernels (dilated calls, or where oneDNN declines) unfold the input into columns
     * of N x C x R x S x OH x OW values (C: all input channels, as the block-diagonal weight
     * reads them); oneDNN's need less, but which one runs is not known when the pass is planned.
     * Measured: the Teachable Machine model at 9999x9999, planned without this at under 11 GiB,
     * was killed by the kernel at 23.9 GB resident.
     */
    @Override
    public long scratchValues(long[]... x) {
        long[] y = outputShape(x);
        long rs = weight.size(2) * weight.size(3);
        if (rs == 1) {
            return 0;
        }
        long columns = y[0] * weight.size(1) * spec.groups();
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
        INDArray w = ungrouped(x.dataType());
        if (!need.parameters()) {
            // The explainers' path: dx alone, the transposed convolution, no dW pass.
            INDArray dx = need.input(0) ? kernels.transposed(dy, w, x.shape(), plan) : null;
            releaseScratch(x, x, w);
            return Backward.of(dx);
        }
        // conv2d_bp forms dx and dW together.
        INDArray xp = plan.padInput() ? ConvKernels.padded(x, plan) : x;
        INDArray[] grads = {Memory.uninitialized(x.dataType(), xp.shape()), Memory.uninitialized(x.dataType(), w.shape())};
        kernels.run("conv2d_bp", new INDArray[] {xp, w, dy}, grads, plan);
        INDArray dx = !need.input(0) ? null : plan.padInput() ? ConvKernels.crop(grads[0], x.shape(), plan.top(), plan.left()) : grads[0];
        releaseScratch(x, xp, w);
        if (dx != grads[0]) {
            Memory.recycle(grads[0]);
        }
        INDArray dW = grouped(grads[1]);
        if (dW != grads[1]) {
            Memory.recycle(grads[1]);
        }
        return Backward.of(new INDArray[] {dx}, parameterGradients(dW, dy));
    }

    /**
     * The weight as one groups = 1 convolution over all C input channels: block diagonal,
     * {@code W'[k, g(k) C/G + c] = W[k, c]} and 0 outside a row's own group, so that every output
     * channel reads only its group's inputs. The weight itself (cast) for groups = 1.
     */
    private INDArray ungrouped(DataType type) {
        INDArray w = as(weight, type);
        int G = spec.groups();
        if (G == 1) {
            return w;
        }
        long Kg = weight.size(0) / G;
        long Cg = weight.size(1);
        INDArray full = Nd4j.zeros(type, weight.size(0), Cg * G, weight.size(2), weight.size(3));
        for (int g = 0; g < G; g++) {
            full.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg), NDArrayIndex.interval(g * Cg, (g + 1) * Cg)).assign(
                    w.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)));
        }
        if (w != weight) {
            w.close();
        }
        return full;
    }

    /** The gradient of the block-diagonal weight back to [K, C/G, R, S]: each row's own group. */
    private INDArray grouped(INDArray dFull) {
        int G = spec.groups();
        if (G == 1) {
            return dFull;
        }
        long Kg = weight.size(0) / G;
        long Cg = weight.size(1);
        INDArray dW = Memory.uninitialized(dFull.dataType(), weight.shape());
        for (int g = 0; g < G; g++) {
            dW.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).assign(
                    dFull.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg), NDArrayIndex.interval(g * Cg, (g + 1) * Cg)));
        }
        return dW;
    }

    /**
     * Frees the per-call copies (the padded input, a cast or block-diagonal weight) at once:
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

    /** dW, and db = sum of dy over N, H, W, in the parameters' own types. */
    Map<String, INDArray> parameterGradients(INDArray dW, INDArray dy) {
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
}
