package org.xai4j.layers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * 2-D convolution (cross-correlation) of NCHW activations, with stride, pads, dilation and groups.
 *
 * <pre>y[n,k,i,j] = b[k] + sum_{c,r,s} W[k,c,r,s] x[n, g(k) C/G + c, i sH - padTop + r dH, j sW - padLeft + s dW]</pre>
 * where {@code g(k) = k / (K/G)} and x reads 0 outside the image. x [N,C,H,W], W [K,C/G,R,S]
 * (OIHW), b [K] or none, y [N,K,OH,OW] with {@code OH = (H + padTop + padBottom - (R-1) dH - 1) / sH + 1}.
 * Backward: dx is the transposed convolution of dy with W, dW correlates x with dy, db sums dy.
 * LeCun et al. 1998; groups: Krizhevsky et al. 2012; depthwise (G = C): Howard et al. 2017.
 */
public final class Conv2d implements Layer<Conv2d.Cache> {
    private final INDArray weight;
    private final INDArray bias;
    private final ConvSpec spec;

    /** The input (alive anyway as the previous activation) and how ND4J ran this input size. */
    public record Cache(INDArray x, Plan plan) {}

    /**
     * How ND4J computes the convolution for one input size. ND4J's kernels pad symmetrically
     * ({@code padH, padW}) or TensorFlow-"same" style ({@code same}: extra pixel at the bottom/right);
     * any other asymmetric padding (say SAME_LOWER) is done by padding x ourselves ({@code padInput}).
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
        INDArray xp = plan.padInput() ? padded(x, plan) : x;
        INDArray w = as(weight, x.dataType());
        INDArray b = bias == null ? null : as(bias, x.dataType());
        INDArray y = Nd4j.createUninitialized(x.dataType(), outputShape(x, plan));
        if (G == 1) {
            run("conv2d", b == null ? new INDArray[] {xp, w} : new INDArray[] {xp, w, b}, new INDArray[] {y}, plan);
        } else if (isDepthwise()) {
            INDArray wd = depthwiseWeight(w);
            run("depthwise_conv2d", b == null ? new INDArray[] {xp, wd} : new INDArray[] {xp, wd, b}, new INDArray[] {y}, plan);
        } else {
            for (int g = 0; g < G; g++) {
                INDArray yg = Nd4j.createUninitialized(x.dataType(), y.size(0), y.size(1) / G, y.size(2), y.size(3));
                INDArray bg = b == null ? null : b.get(group(g, b.length() / G)).dup();
                INDArray[] inputs = bg == null ? new INDArray[] {channels(xp, g), w.get(group(g, w.size(0) / G)).dup()}
                        : new INDArray[] {channels(xp, g), w.get(group(g, w.size(0) / G)).dup(), bg};
                run("conv2d", inputs, new INDArray[] {yg}, plan);
                y.get(NDArrayIndex.all(), group(g, yg.size(1))).assign(yg);
            }
        }
        return Forward.of(y, new Cache(x, plan));
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        Plan plan = cache.plan();
        INDArray xp = plan.padInput() ? padded(x, plan) : x;
        INDArray w = as(weight, x.dataType());
        INDArray dxp;
        INDArray dW;
        int G = spec.groups();
        if (G == 1) {
            INDArray[] grads = {Nd4j.createUninitialized(x.dataType(), xp.shape()), Nd4j.createUninitialized(x.dataType(), w.shape())};
            run("conv2d_bp", new INDArray[] {xp, w, dy}, grads, plan);
            dxp = grads[0];
            dW = grads[1];
        } else if (isDepthwise()) {
            INDArray wd = depthwiseWeight(w);
            INDArray[] grads = {Nd4j.createUninitialized(x.dataType(), xp.shape()), Nd4j.createUninitialized(x.dataType(), wd.shape())};
            run("depthwise_conv2d_bp", new INDArray[] {xp, wd, dy}, grads, plan);
            dxp = grads[0];
            // Back from ND4J's [m, C, R, S] to OIHW [C*m, 1, R, S]: output channel k = c*m + j.
            dW = grads[1].permute(1, 0, 2, 3).dup('c').reshape(weight.shape());
        } else {
            dxp = Nd4j.createUninitialized(x.dataType(), xp.shape());
            dW = Nd4j.createUninitialized(x.dataType(), w.shape());
            long Kg = w.size(0) / G;
            for (int g = 0; g < G; g++) {
                INDArray dyg = dy.get(NDArrayIndex.all(), group(g, Kg)).dup();
                INDArray wg = w.get(group(g, Kg)).dup();
                INDArray[] grads = {Nd4j.createUninitialized(x.dataType(), xp.size(0), weight.size(1), xp.size(2), xp.size(3)),
                        Nd4j.createUninitialized(x.dataType(), wg.shape())};
                run("conv2d_bp", new INDArray[] {channels(xp, g), wg, dyg}, grads, plan);
                dxp.get(NDArrayIndex.all(), group(g, weight.size(1))).assign(grads[0]);
                dW.get(group(g, Kg)).assign(grads[1]);
            }
        }
        INDArray dx = null;
        if (need.input(0)) {
            dx = plan.padInput() ? dxp.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(plan.top(), plan.top() + x.size(2)),
                    NDArrayIndex.interval(plan.left(), plan.left() + x.size(3))).dup('c') : dxp;
        }
        if (!need.parameters()) {
            return Backward.of(dx);
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("weight", as(dW, weight.dataType()));
        if (bias != null) {
            grads.put("bias", as(dy.sum(0, 2, 3), bias.dataType()));
        }
        return Backward.of(new INDArray[] {dx}, grads);
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

    private long[] outputShape(INDArray x, Plan p) {
        long effR = (weight.size(2) - 1) * spec.dilationH() + 1;
        long effS = (weight.size(3) - 1) * spec.dilationW() + 1;
        long OH = (x.size(2) + p.top() + p.bottom() - effR) / spec.strideH() + 1;
        long OW = (x.size(3) + p.left() + p.right() - effS) / spec.strideW() + 1;
        if (OH < 1 || OW < 1) {
            throw new IllegalArgumentException("Conv2d " + weight.size(2) + "x" + weight.size(3) + " kernel does not fit input "
                    + Arrays.toString(x.shape()) + " with pads " + Arrays.asList(p.top(), p.left(), p.bottom(), p.right()));
        }
        return new long[] {x.size(0), weight.size(0), OH, OW};
    }

    private boolean isDepthwise() {
        return spec.groups() > 1 && weight.size(1) == 1;
    }

    /** OIHW [C*m, 1, R, S] as ND4J's depthwise layout [m, C, R, S] (weight format 1); a free reshape when m = 1. */
    private INDArray depthwiseWeight(INDArray w) {
        long C = spec.groups();
        long m = w.size(0) / C;
        return m == 1 ? w.reshape(1, C, w.size(2), w.size(3))
                : w.reshape(C, m, w.size(2), w.size(3)).permute(1, 0, 2, 3).dup('c');
    }

    private void run(String op, INDArray[] inputs, INDArray[] outputs, Plan p) {
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(inputs);
            context.setOutputArrays(outputs);
            // kH, kW, sH, sW, pH, pW, dH, dW, same mode, data format (0 = NCHW), weight format (1 = OIYX).
            context.setIArguments(weight.size(2), weight.size(3), spec.strideH(), spec.strideW(), p.padH(), p.padW(),
                    spec.dilationH(), spec.dilationW(), p.same() ? 1 : 0, 0, 1);
            // ND4J M2.1's oneDNN conv2d cannot build a dilated convolution ("could not create a
            // descriptor"); its built-in kernel can. Depthwise works on oneDNN with dilation.
            boolean dilated = spec.dilationH() > 1 || spec.dilationW() > 1;
            context.allowHelpers(!(dilated && op.startsWith("conv2d")));
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder(op).build(), context);
        } finally {
            closeQuietly(context);
        }
    }

    private static void closeQuietly(OpContext context) {
        try {
            context.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not free an ND4J op context", e);
        }
    }

    private static INDArray padded(INDArray x, Plan p) {
        INDArray xp = Nd4j.zeros(x.dataType(), x.size(0), x.size(1), x.size(2) + p.top() + p.bottom(), x.size(3) + p.left() + p.right());
        xp.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(p.top(), p.top() + x.size(2)),
                NDArrayIndex.interval(p.left(), p.left() + x.size(3))).assign(x);
        return xp;
    }

    private INDArray channels(INDArray x, int g) {
        return x.get(NDArrayIndex.all(), group(g, weight.size(1))).dup('c');
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex group(int g, long size) {
        return NDArrayIndex.interval(g * size, (g + 1) * size);
    }

    static INDArray as(INDArray a, DataType type) {
        return a.dataType() == type ? a : a.castTo(type);
    }
}
