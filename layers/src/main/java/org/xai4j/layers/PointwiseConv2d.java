package org.xai4j.layers;

import static org.xai4j.layers.ConvKernels.as;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * A 1x1 convolution (groups 1, no pads) as matrix products: per image n, with x_n [C, H*W],
 * W [K, C] and y_n [K, H*W] the matrix views of x [N,C,H,W], the OIHW weight and y [N,K,H,W],
 * <pre>y_n = W x_n + b      dx_n = W^T dy_n      dW = sum_n dy_n x_n^T</pre>
 * on maps of {@link #GEMM_MIN_PIXELS} pixels or more at stride 1; its {@link Conv2d} elsewhere,
 * except dx alone (an explanation's backward), which is always the stride-1 product (a GEMM, or
 * deconv2d on small maps) scattered onto every stride-th pixel. ResNet's bottlenecks and
 * shortcuts, MobileNetV2's expand and project layers.
 *
 * <p>Why: oneDNN's conv2d ran ResNet-50's 1x1 layers at about 40 GFLOP/s (3 ms each, 108 ms of a
 * 232 ms pass) and MobileNetV2's at about 13, where OpenBLAS does such products at 65-116.
 */
public final class PointwiseConv2d implements Layer<Conv2d.Cache>, Specialized<Conv2d> {

    /**
     * The smallest map (H*W) that runs as GEMMs. Below it oneDNN measured as fast or faster
     * (ResNet-50's 14x14 and 7x7 layers: forward 1.0-1.5x, dx 1.3-2.6x the oneDNN time as GEMMs):
     * there W [K, C] is the larger operand and BLAS packs it again for every image, transposed
     * for dx, where oneDNN packs it once per batch. From 28x28 up the GEMMs took 0.3-1.1x the
     * time (single-thread CPU time, batch 1 and 8).
     */
    public static final long GEMM_MIN_PIXELS = 28 * 28;

    private final Conv2d conv;

    /** The 1x1 convolution {@code conv} (see {@link #applies}), whose weights this layer reads. */
    public PointwiseConv2d(Conv2d conv) {
        if (!applies(conv)) {
            throw new IllegalArgumentException("PointwiseConv2d needs a 1x1 convolution with groups 1 and no pads, got " + conv.describe());
        }
        this.conv = conv;
    }

    /** 1x1 kernel, groups 1 (dilation then moves nothing), pads 0 (explicit, or "same", which is 0 at 1x1). */
    public static boolean applies(Conv2d c) {
        ConvSpec s = c.spec();
        return c.weight().size(2) == 1 && c.weight().size(3) == 1 && s.groups() == 1
                && (s.padding() != Padding.EXPLICIT || s.padTop() + s.padLeft() + s.padBottom() + s.padRight() == 0);
    }

    @Override
    public Conv2d reference() {
        return conv;
    }

    @Override
    public Forward<Conv2d.Cache> forward(INDArray... in) {
        INDArray x = in[0];
        if (!usesGemm(x.shape())) {
            return conv.forward(x);
        }
        INDArray y = Memory.uninitialized(x.dataType(), conv.outputShape(new long[][] {x.shape()}));
        INDArray w = as(conv.weight(), x.dataType());
        for (long n = 0; n < x.size(0); n++) {
            gemm(matrix(w), false, image(x, n), false, 0, image(y, n));
        }
        release(w);
        if (conv.bias() != null) {
            // One pass over y: libnd4j's biasadd measured 3-40x faster than a broadcast add along
            // axis 1 (0.18 against 7 ms on MobileNetV2's 16->96 layer at 112x112).
            INDArray b = as(conv.bias(), x.dataType());
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder("biasadd")
                    .addInputs(y, b.reshape(b.length())).addOutputs(y).addBooleanArguments(true).build());
        }
        return Forward.of(y, new Conv2d.Cache(x, conv.plan((int) x.size(2), (int) x.size(3))));
    }

    @Override
    public long[] outputShape(long[]... x) {
        return conv.outputShape(x);
    }

    @Override
    public Backward backward(Conv2d.Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        if (!need.parameters()) {
            return Backward.of(need.input(0) ? transposed(dy, x.shape()) : null);
        }
        if (!usesGemm(x.shape())) {
            return conv.backward(cache, dy, need);
        }
        INDArray w = as(conv.weight(), x.dataType());
        INDArray dx = need.input(0) ? inputGradient(dy, matrix(w), x.shape()) : null;
        release(w);
        INDArray dW = Memory.uninitialized(x.dataType(), dy.size(1), x.size(1), 1, 1);
        INDArray dWm = matrix(dW);
        for (long n = 0; n < x.size(0); n++) {
            gemm(image(dy, n), false, image(x, n), true, n == 0 ? 0 : 1, dWm); // summed over images by BLAS (beta 1)
        }
        return Backward.of(new INDArray[] {dx}, conv.parameterGradients(dW, dy));
    }

    /** Stride 1 on a map of at least {@link #GEMM_MIN_PIXELS}: oneDNN's kernel is as fast below. */
    boolean usesGemm(long[] xShape) {
        ConvSpec s = conv.spec();
        return s.strideH() == 1 && s.strideW() == 1 && xShape.length == 4 && xShape[2] * xShape[3] >= GEMM_MIN_PIXELS;
    }

    /**
     * dx at any stride: {@code dx[n,c,i sH, j sW] = sum_k W[k,c] dy[n,k,i,j]} and 0 between the
     * strides. The sum is a stride-1 transposed 1x1 convolution: GEMMs on maps of
     * {@link #GEMM_MIN_PIXELS} or more, else deconv2d; a strided deconv2d measured about twice
     * as slow as either plus the scatter (ResNet's strided shortcuts).
     */
    private INDArray transposed(INDArray dy, long[] xShape) {
        long[] denseShape = {xShape[0], xShape[1], dy.size(2), dy.size(3)};
        INDArray w = as(conv.weight(), dy.dataType());
        INDArray dense;
        if (dy.size(2) * dy.size(3) >= GEMM_MIN_PIXELS) {
            dense = inputGradient(dy, matrix(w), denseShape);
        } else {
            dense = Memory.uninitialized(dy.dataType(), denseShape);
            new ConvKernels(1, 1, ConvSpec.DEFAULT).run("deconv2d", new INDArray[] {dy, w}, new INDArray[] {dense}, 0, 0, false);
        }
        release(w);
        ConvSpec s = conv.spec();
        if (s.strideH() == 1 && s.strideW() == 1) {
            return dense;
        }
        INDArray dx = Memory.zeros(dy.dataType(), xShape);
        dx.get(NDArrayIndex.all(), NDArrayIndex.all(), strided(dy.size(2), s.strideH()), strided(dy.size(3), s.strideW())).assign(dense);
        Memory.recycle(dense);
        return dx;
    }

    /** {@code dx_n = W^T dy_n} per image; {@code dxShape} is [N, C, H, W] with dy's H, W. */
    private static INDArray inputGradient(INDArray dy, INDArray w, long[] dxShape) {
        INDArray dx = Memory.uninitialized(dy.dataType(), dxShape);
        for (long n = 0; n < dy.size(0); n++) {
            gemm(w, true, image(dy, n), false, 0, image(dx, n));
        }
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

    /** Frees a cast copy of the weight at once (off-heap memory the GC would free late). */
    private void release(INDArray w) {
        if (w != conv.weight()) {
            w.close();
        }
    }

    /** The OIHW [K, C, 1, 1] weight (or its gradient) as the matrix [K, C], a view. */
    private static INDArray matrix(INDArray w) {
        return w.reshape('c', w.size(0), w.size(1));
    }

    /**
     * Image n of an NCHW array as the matrix [C, H*W]. A view when {@code a} is c-contiguous, as
     * every array allocated here is, so a product written into it lands in {@code a}; an input
     * laid out otherwise comes back as a copy, still right to read.
     */
    private static INDArray image(INDArray a, long n) {
        return a.slice(n).reshape('c', a.size(1), a.size(2) * a.size(3));
    }

    /**
     * {@code c = op(a) op(b) + beta c}, op transposing where asked. libnd4j's matmul hands views
     * and transposes to BLAS as strides and flags, without copies, and writes into c when it is
     * a view; {@code Nd4j.gemm} refuses views and BaseLevel3.gemm copies a transposed operand.
     */
    private static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, double beta, INDArray c) {
        Nd4j.getExecutioner().exec(DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(c)
                .addIntegerArguments(transA ? 1 : 0, transB ? 1 : 0).addFloatingPointArguments(1.0, beta).build());
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
