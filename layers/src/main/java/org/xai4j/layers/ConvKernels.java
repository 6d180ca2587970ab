package org.xai4j.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Memory;

/**
 * The ND4J calls behind {@link Conv2d}: its kernels (conv2d, depthwise_conv2d, deconv2d and
 * their _bp forms) with our kernel size, stride and dilation, the padding and cropping around
 * them, and matrix products (matmul) for 1x1 convolutions on large maps. What each ND4J M2.1
 * kernel accepts, measured on the oneDNN build:
 * <ul>
 *   <li>conv2d, conv2d_bp, deconv2d take OIHW weights as they are (weight format 1).
 *   <li>depthwise_conv2d(_bp) reaches oneDNN only with weights [R, S, C, m] (format 0); with
 *       format 1 it runs ND4J's own kernel, about 40x slower forward.
 *   <li>Pads are symmetric, or TensorFlow "same" (extra pixel at the bottom/right).
 *   <li>oneDNN rejects dilated convolutions ("could not create a descriptor"): dilated calls
 *       run ND4J's built-in kernels.
 * </ul>
 */
final class ConvKernels {
    private final long R;
    private final long S;
    private final ConvSpec spec;

    ConvKernels(long R, long S, ConvSpec spec) {
        this.R = R;
        this.S = S;
        this.spec = spec;
    }

    /** Runs {@code op} with the pads of {@code plan}; weight format 1 (OIHW), or 0 for depthwise ops. */
    void run(String op, INDArray[] inputs, INDArray[] outputs, Conv2d.Plan plan) {
        run(op, inputs, outputs, plan.padH(), plan.padW(), plan.same());
    }

    void run(String op, INDArray[] inputs, INDArray[] outputs, int padH, int padW, boolean same) {
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(inputs);
            context.setOutputArrays(outputs);
            // kH, kW, sH, sW, pH, pW, dH, dW, same mode, data format (0 = NCHW), weight format.
            context.setIArguments(R, S, spec.strideH(), spec.strideW(), padH, padW, spec.dilationH(), spec.dilationW(),
                    same ? 1 : 0, 0, op.startsWith("depthwise") ? 0 : 1);
            context.allowHelpers(spec.dilationH() == 1 && spec.dilationW() == 1);
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder(op).build(), context);
        } finally {
            closeQuietly(context);
        }
    }

    /**
     * dx of a groups = 1 convolution: the transposed convolution of dy (deconv2d), with no dW
     * formed, about a third of conv2d_bp's cost. deconv2d pads symmetrically and stops where
     * the last window ended; unless that is exactly x's extent (symmetric pads, no stride
     * remainder) it runs unpadded into a scratch array that x's extent is cut out of.
     */
    INDArray transposed(INDArray dy, INDArray w, long[] xShape, Conv2d.Plan plan) {
        if (R == 1 && S == 1 && plan.top() + plan.left() + plan.bottom() + plan.right() == 0) {
            return pointwiseTransposed(dy, w, xShape);
        }
        long fullH = (dy.size(2) - 1) * spec.strideH() + (R - 1) * spec.dilationH() + 1;
        long fullW = (dy.size(3) - 1) * spec.strideW() + (S - 1) * spec.dilationW() + 1;
        boolean exact = !plan.same() && !plan.padInput()
                && fullH - 2L * plan.padH() == xShape[2] && fullW - 2L * plan.padW() == xShape[3];
        if (exact) {
            INDArray dx = Memory.uninitialized(dy.dataType(), xShape);
            run("deconv2d", new INDArray[] {dy, w}, new INDArray[] {dx}, plan.padH(), plan.padW(), false);
            return dx;
        }
        INDArray full = Memory.uninitialized(dy.dataType(), xShape[0], xShape[1], fullH, fullW);
        run("deconv2d", new INDArray[] {dy, w}, new INDArray[] {full}, 0, 0, false);
        INDArray dx = crop(full, xShape, plan.top(), plan.left());
        // Scratch the GC would otherwise free only under heap pressure, which never comes: off-heap
        // memory grew by the size of this array on every backward pass.
        Memory.recycle(full);
        return dx;
    }

    /**
     * 1x1 without pads (ResNet's strided shortcuts): {@code dx[n,c,i sH, j sW] = sum_k W[k,c] dy[n,k,i,j]}
     * and 0 between the strides. The sum is a stride-1 transposed 1x1 convolution: GEMMs on maps
     * of {@link #GEMM_MIN_PIXELS} or more, else deconv2d; a strided deconv2d measured about twice
     * as slow as either plus the scatter.
     */
    private INDArray pointwiseTransposed(INDArray dy, INDArray w, long[] xShape) {
        long[] denseShape = {xShape[0], xShape[1], dy.size(2), dy.size(3)};
        INDArray dense;
        if (dy.size(2) * dy.size(3) >= GEMM_MIN_PIXELS) {
            dense = pointwiseInputGradient(dy, w, denseShape);
        } else {
            dense = Memory.uninitialized(dy.dataType(), denseShape);
            new ConvKernels(1, 1, ConvSpec.DEFAULT).run("deconv2d", new INDArray[] {dy, w}, new INDArray[] {dense}, 0, 0, false);
        }
        if (spec.strideH() == 1 && spec.strideW() == 1) {
            return dense;
        }
        INDArray dx = Memory.zeros(dy.dataType(), xShape);
        dx.get(NDArrayIndex.all(), NDArrayIndex.all(), strided(dy.size(2), spec.strideH()), strided(dy.size(3), spec.strideW()))
                .assign(dense);
        Memory.recycle(dense);
        return dx;
    }

    /**
     * Positions 0, s, ..., (n - 1) s. ND4J's strided interval rejects a single position (it asks
     * for index s of an axis of length 1, found by the plan fuzz on a 3x1 map), so one position is
     * a plain interval.
     */
    private static INDArrayIndex strided(long n, int s) {
        return n == 1 ? NDArrayIndex.interval(0, 1) : NDArrayIndex.interval(0, s, (n - 1) * s + 1);
    }

    /**
     * The smallest map (H*W) that 1x1 convolutions run as GEMMs on. Below it oneDNN measured as
     * fast or faster (ResNet-50's 14x14 and 7x7 layers: forward 1.0-1.5x, dx 1.3-2.6x the oneDNN
     * time as GEMMs): there W [K, C] is the larger operand and BLAS packs it again for every
     * image, transposed for dx, where oneDNN packs it once per batch. From 28x28 up the GEMMs took
     * 0.3-1.1x the time (single-thread CPU time, batch 1 and 8).
     */
    static final long GEMM_MIN_PIXELS = 28 * 28;

    /**
     * Whether the convolution of an H x W map runs as a matrix product per image: 1x1 kernel,
     * stride 1, no pads (as resolved by the plan, so SAME counts too), groups 1 (dilation then
     * moves nothing), and {@code H W >= GEMM_MIN_PIXELS}. ResNet's bottleneck and MobileNetV2's
     * expand/project layers on large maps are such convolutions.
     */
    boolean pointwise(Conv2d.Plan plan, long H, long W) {
        return R == 1 && S == 1 && spec.strideH() == 1 && spec.strideW() == 1 && spec.groups() == 1
                && plan.top() + plan.left() + plan.bottom() + plan.right() == 0 && H * W >= GEMM_MIN_PIXELS;
    }

    /**
     * Forward of a {@link #pointwise} convolution, per image n:
     * <pre>y_n = W x_n (+ b[k] on every row k)</pre>
     * with x_n [C, H*W], W [K, C] and y_n [K, H*W] the matrix views of x [N,C,H,W], the OIHW
     * weight [K,C,1,1] and y [N,K,H,W]. Written into {@code y}, which must be c-contiguous.
     * oneDNN's conv2d ran ResNet-50's 1x1 layers at about 40 GFLOP/s (3 ms each, 108 ms of a
     * 232 ms pass) and MobileNetV2's at about 13, where OpenBLAS does such products at 65-116;
     * on maps of {@link #GEMM_MIN_PIXELS} or more the GEMMs took 0.3-1.1x oneDNN's time.
     */
    static void pointwiseForward(INDArray x, INDArray w, INDArray b, INDArray y) {
        INDArray wm = w.reshape('c', w.size(0), w.size(1));
        for (long n = 0; n < x.size(0); n++) {
            gemm(wm, false, image(x, n), false, 0, image(y, n));
        }
        if (b != null) {
            // One pass over y: libnd4j's biasadd measured 3-40x faster than a broadcast add along
            // axis 1 (0.18 against 7 ms on MobileNetV2's 16->96 layer at 112x112).
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder("biasadd")
                    .addInputs(y, b.reshape(b.length())).addOutputs(y).addBooleanArguments(true).build());
        }
    }

    /**
     * dx of a {@link #pointwise} convolution, per image: {@code dx_n = W^T dy_n}, with dy_n
     * [K, H*W] and dx_n [C, H*W]; {@code dxShape} is [N, C, H, W].
     */
    static INDArray pointwiseInputGradient(INDArray dy, INDArray w, long[] dxShape) {
        INDArray dx = Memory.uninitialized(dy.dataType(), dxShape);
        INDArray wm = w.reshape('c', w.size(0), w.size(1));
        for (long n = 0; n < dy.size(0); n++) {
            gemm(wm, true, image(dy, n), false, 0, image(dx, n));
        }
        return dx;
    }

    /**
     * dW of a {@link #pointwise} convolution: {@code dW = sum_n dy_n x_n^T}, [K, C] (returned as
     * OIHW [K,C,1,1]), accumulated in place over the images by BLAS (beta = 1 after the first).
     */
    static INDArray pointwiseWeightGradient(INDArray x, INDArray dy) {
        INDArray dW = Memory.uninitialized(x.dataType(), dy.size(1), x.size(1), 1, 1);
        INDArray dWm = dW.reshape('c', dy.size(1), x.size(1));
        for (long n = 0; n < x.size(0); n++) {
            gemm(image(dy, n), false, image(x, n), true, n == 0 ? 0 : 1, dWm);
        }
        return dW;
    }

    /**
     * Image n of an NCHW array as the matrix [C, H*W]. A view when {@code a} is c-contiguous, as
     * every array allocated here is, so a product written into it lands in {@code a}; an input
     * laid out otherwise comes back as a copy, still right to read.
     */
    static INDArray image(INDArray a, long n) {
        return a.slice(n).reshape('c', a.size(1), a.size(2) * a.size(3));
    }

    /**
     * {@code c = op(a) op(b) + beta c}, op transposing where asked. libnd4j's matmul hands views
     * and transposes to BLAS as strides and flags, without copies, and writes into c when it is
     * a view; {@code Nd4j.gemm} refuses views and BaseLevel3.gemm copies a transposed operand.
     */
    static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, double beta, INDArray c) {
        Nd4j.getExecutioner().exec(DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(c)
                .addIntegerArguments(transA ? 1 : 0, transB ? 1 : 0).addFloatingPointArguments(1.0, beta).build());
    }

    /**
     * dx of a stride-1 depthwise convolution with multiplier 1, or null where that does not
     * apply: the same depthwise convolution of dy with each kernel rotated by 180 degrees and
     * pads {@code dH - pad}, so the forward kernel does it (oneDNN); depthwise_conv2d_bp
     * also forms dW and ran 1.5-3x slower on MobileNetV2's large maps.
     */
    INDArray depthwiseTransposed(INDArray dy, INDArray w, long[] xShape, Conv2d.Plan plan) {
        long C = xShape[1];
        int padH = (int) (R - 1) * spec.dilationH() - plan.padH();
        int padW = (int) (S - 1) * spec.dilationW() - plan.padW();
        if (spec.strideH() != 1 || spec.strideW() != 1 || w.size(0) != C || plan.same() || plan.padInput() || padH < 0 || padW < 0) {
            return null;
        }
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
        INDArray dx = Memory.uninitialized(dy.dataType(), xShape);
        run("depthwise_conv2d", new INDArray[] {dy, rotated}, new INDArray[] {dx}, padH, padW, false);
        Memory.recycle(rotated);
        return dx;
    }

    /** OIHW [C*m, 1, R, S] as [R, S, C, m] (output channel k = c*m + j): a copy of the small weight per call. */
    static INDArray depthwiseWeight(INDArray w, long C) {
        return w.reshape(C, w.size(0) / C, w.size(2), w.size(3)).permute(2, 3, 0, 1).dup('c');
    }

    /** The gradient of depthwise weights back from [R, S, C, m] to OIHW. */
    static INDArray depthwiseWeightGradient(INDArray dWd, long[] oihw) {
        return dWd.permute(2, 3, 0, 1).dup('c').reshape(oihw);
    }

    /** x with explicit zero pads, for pads that ND4J cannot express. */
    static INDArray padded(INDArray x, Conv2d.Plan p) {
        INDArray xp = Memory.zeros(x.dataType(), x.size(0), x.size(1), x.size(2) + p.top() + p.bottom(), x.size(3) + p.left() + p.right());
        xp.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(p.top(), p.top() + x.size(2)),
                NDArrayIndex.interval(p.left(), p.left() + x.size(3))).assign(x);
        return xp;
    }

    /** x's extent [top, top+H) x [left, left+W) of a gradient over a padded input; 0 where it runs past. */
    static INDArray crop(INDArray full, long[] xShape, long top, long left) {
        long H = Math.min(xShape[2], full.size(2) - top);
        long W = Math.min(xShape[3], full.size(3) - left);
        INDArray inside = full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(top, top + H), NDArrayIndex.interval(left, left + W));
        if (H == xShape[2] && W == xShape[3]) {
            return Memory.uninitialized(full.dataType(), xShape).assign(inside);
        }
        INDArray dx = Memory.zeros(full.dataType(), xShape);
        dx.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, H), NDArrayIndex.interval(0, W)).assign(inside);
        return dx;
    }

    /** Channels [g*size, (g+1)*size) of an NCHW array, as a dense copy. */
    static INDArray channels(INDArray x, int g, long size) {
        return x.get(NDArrayIndex.all(), NDArrayIndex.interval(g * size, (g + 1) * size)).dup('c');
    }

    static INDArray as(INDArray a, DataType type) {
        return a.dataType() == type ? a : a.castTo(type);
    }

    static void closeQuietly(OpContext context) {
        try {
            context.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not free an ND4J op context", e);
        }
    }
}
