package org.xai4j.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Memory;

/**
 * The ND4J calls behind {@link Conv2d} and its faster forms: the kernels (conv2d, deconv2d,
 * depthwise_conv2d and their _bp forms) with our kernel size, stride and dilation, and the
 * padding and cropping around them. What each ND4J M2.1 kernel accepts, measured on the oneDNN
 * build:
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
        // ND4J 1.0.0-M2.1 returns an array without data for some channel ranges of a view of a view
        // at N = 1 (seen: channels 17-33 of the gradient a Pad's backward hands back, a crop of its
        // padded dy): such a value is made dense first.
        INDArray dense = x.isView() ? x.dup('c') : x;
        return dense.get(NDArrayIndex.all(), NDArrayIndex.interval(g * size, (g + 1) * size)).dup('c');
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
