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
            run("conv2d", b == null ? new INDArray[] {xp, w} : new INDArray[] {xp, w, b}, new INDArray[] {y}, plan.padH(), plan.padW(), plan.same());
        } else if (isDepthwise()) {
            INDArray wd = depthwiseWeight(w, spec.groups());
            run("depthwise_conv2d", b == null ? new INDArray[] {xp, wd} : new INDArray[] {xp, wd, b}, new INDArray[] {y}, plan.padH(), plan.padW(), plan.same());
        } else {
            for (int g = 0; g < G; g++) {
                INDArray yg = Nd4j.createUninitialized(x.dataType(), y.size(0), y.size(1) / G, y.size(2), y.size(3));
                INDArray bg = b == null ? null : b.get(group(g, b.length() / G)).dup();
                INDArray xg = channels(xp, g, weight.size(1));
                INDArray wg = w.get(group(g, w.size(0) / G)).dup();
                run("conv2d", bg == null ? new INDArray[] {xg, wg} : new INDArray[] {xg, wg, bg}, new INDArray[] {yg},
                        plan.padH(), plan.padW(), plan.same());
                y.get(NDArrayIndex.all(), group(g, yg.size(1))).assign(yg);
            }
        }
        return Forward.of(y, new Cache(x, plan));
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        INDArray w = as(weight, x.dataType());
        if (!need.parameters()) {
            return Backward.of(need.input(0) ? inputGradient(dy, w, x, cache.plan()) : null);
        }
        Plan plan = cache.plan();
        INDArray xp = plan.padInput() ? padded(x, plan) : x;
        INDArray dxp;
        INDArray dW;
        int G = spec.groups();
        if (G == 1) {
            INDArray[] grads = {Nd4j.createUninitialized(x.dataType(), xp.shape()), Nd4j.createUninitialized(x.dataType(), w.shape())};
            run("conv2d_bp", new INDArray[] {xp, w, dy}, grads, plan.padH(), plan.padW(), plan.same());
            dxp = grads[0];
            dW = grads[1];
        } else if (isDepthwise()) {
            INDArray wd = depthwiseWeight(w, spec.groups());
            INDArray[] grads = {Nd4j.createUninitialized(x.dataType(), xp.shape()), Nd4j.createUninitialized(x.dataType(), wd.shape())};
            run("depthwise_conv2d_bp", new INDArray[] {xp, wd, dy}, grads, plan.padH(), plan.padW(), plan.same());
            dxp = grads[0];
            // Back from [R, S, C, m] to OIHW [C*m, 1, R, S].
            dW = grads[1].permute(2, 3, 0, 1).dup('c').reshape(weight.shape());
        } else {
            dxp = Nd4j.createUninitialized(x.dataType(), xp.shape());
            dW = Nd4j.createUninitialized(x.dataType(), w.shape());
            long Kg = w.size(0) / G;
            for (int g = 0; g < G; g++) {
                INDArray wg = w.get(group(g, Kg)).dup();
                INDArray[] grads = {Nd4j.createUninitialized(x.dataType(), xp.size(0), weight.size(1), xp.size(2), xp.size(3)),
                        Nd4j.createUninitialized(x.dataType(), wg.shape())};
                run("conv2d_bp", new INDArray[] {channels(xp, g, weight.size(1)), wg, channels(dy, g, Kg)}, grads,
                        plan.padH(), plan.padW(), plan.same());
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
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("weight", as(dW, weight.dataType()));
        if (bias != null) {
            grads.put("bias", as(dy.sum(0, 2, 3), bias.dataType()));
        }
        return Backward.of(new INDArray[] {dx}, grads);
    }

    /**
     * dx alone, the explainers' hot path: a transposed convolution of dy (ND4J's deconv2d, which
     * takes OIHW weights as they are), about a third of conv2d_bp's cost since no dW is formed.
     * deconv2d pads symmetrically and its output stops where the last window ended, so unless
     * that is exactly x's extent (symmetric pads, no stride remainder) it runs unpadded into a
     * scratch array and the rows and columns of x are cut out of it; x's rows past the last
     * window get 0.
     */
    private INDArray inputGradient(INDArray dy, INDArray w, INDArray x, Plan plan) {
        long[] xShape = x.shape();
        if (isDepthwise()) {
            INDArray wd = depthwiseWeight(w, spec.groups());
            INDArray xp = plan.padInput() ? padded(x, plan) : x;
            INDArray[] grads = {Nd4j.createUninitialized(dy.dataType(), xp.shape()), Nd4j.createUninitialized(dy.dataType(), wd.shape())};
            run("depthwise_conv2d_bp", new INDArray[] {xp, wd, dy}, grads, plan.padH(), plan.padW(), plan.same());
            return plan.padInput() ? crop(grads[0], xShape, plan.top(), plan.left()) : grads[0];
        }
        int G = spec.groups();
        if (G == 1) {
            return transposed(dy, w, xShape, plan);
        }
        long Kg = w.size(0) / G;
        long Cg = w.size(1);
        INDArray dx = Nd4j.createUninitialized(dy.dataType(), xShape);
        for (int g = 0; g < G; g++) {
            long[] shape = {xShape[0], Cg, xShape[2], xShape[3]};
            dx.get(NDArrayIndex.all(), group(g, Cg)).assign(transposed(channels(dy, g, Kg), w.get(group(g, Kg)).dup(), shape, plan));
        }
        return dx;
    }

    private INDArray transposed(INDArray dy, INDArray w, long[] xShape, Plan plan) {
        long effR = (w.size(2) - 1) * spec.dilationH() + 1;
        long effS = (w.size(3) - 1) * spec.dilationW() + 1;
        long fullH = (dy.size(2) - 1) * spec.strideH() + effR;
        long fullW = (dy.size(3) - 1) * spec.strideW() + effS;
        boolean exact = !plan.same() && !plan.padInput()
                && fullH - 2L * plan.padH() == xShape[2] && fullW - 2L * plan.padW() == xShape[3];
        if (exact) {
            INDArray dx = Nd4j.createUninitialized(dy.dataType(), xShape);
            run("deconv2d", new INDArray[] {dy, w}, new INDArray[] {dx}, plan.padH(), plan.padW(), false);
            return dx;
        }
        INDArray full = Nd4j.createUninitialized(dy.dataType(), xShape[0], xShape[1], fullH, fullW);
        run("deconv2d", new INDArray[] {dy, w}, new INDArray[] {full}, 0, 0, false);
        return crop(full, xShape, plan.top(), plan.left());
    }

    /** x's extent [top, top+H) x [left, left+W) of a gradient over the padded input; 0 where it runs past. */
    private static INDArray crop(INDArray full, long[] xShape, long top, long left) {
        long H = Math.min(xShape[2], full.size(2) - top);
        long W = Math.min(xShape[3], full.size(3) - left);
        INDArray dx = H == xShape[2] && W == xShape[3] ? Nd4j.createUninitialized(full.dataType(), xShape) : Nd4j.zeros(full.dataType(), xShape);
        dx.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, H), NDArrayIndex.interval(0, W))
                .assign(full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(top, top + H), NDArrayIndex.interval(left, left + W)));
        return dx;
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

    /**
     * OIHW [C*m, 1, R, S] as ND4J's depthwise layout [R, S, C, m] (weight format 0; output channel
     * k = c*m + j). A copy of C*m*R*S values per call, but only this format reaches oneDNN: with
     * format 1 ND4J M2.1 runs its own kernel, about 40x slower forward and worse backward.
     */
    private static INDArray depthwiseWeight(INDArray w, long C) {
        return w.reshape(C, w.size(0) / C, w.size(2), w.size(3)).permute(2, 3, 0, 1).dup('c');
    }

    private void run(String op, INDArray[] inputs, INDArray[] outputs, int padH, int padW, boolean same) {
        // Weight format 1 (OIYX) is OIHW as given; depthwise takes format 0, see depthwiseWeight.
        run(op, inputs, outputs, padH, padW, same, op.startsWith("depthwise") ? 0 : 1);
    }

    private void run(String op, INDArray[] inputs, INDArray[] outputs, int padH, int padW, boolean same, int weightFormat) {
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(inputs);
            context.setOutputArrays(outputs);
            // kH, kW, sH, sW, pH, pW, dH, dW, same mode, data format (0 = NCHW), weight format.
            context.setIArguments(weight.size(2), weight.size(3), spec.strideH(), spec.strideW(), padH, padW,
                    spec.dilationH(), spec.dilationW(), same ? 1 : 0, 0, weightFormat);
            // ND4J M2.1's oneDNN glue cannot build dilated convolutions ("could not create a
            // descriptor for a dilated convolution"); its built-in kernels can.
            context.allowHelpers(spec.dilationH() == 1 && spec.dilationW() == 1);
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder(op).build(), context);
        } finally {
            closeQuietly(context);
        }
    }

    static void closeQuietly(OpContext context) {
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

    private static INDArray channels(INDArray x, int g, long size) {
        return x.get(NDArrayIndex.all(), group(g, size)).dup('c');
    }


    private static org.nd4j.linalg.indexing.INDArrayIndex group(int g, long size) {
        return NDArrayIndex.interval(g * size, (g + 1) * size);
    }

    static INDArray as(INDArray a, DataType type) {
        return a.dataType() == type ? a : a.castTo(type);
    }
}
