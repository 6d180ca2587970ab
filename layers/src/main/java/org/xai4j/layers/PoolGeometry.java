package org.xai4j.layers;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Where the windows of a pooling layer fall on an H x W input: the pads actually used (explicit
 * or "same") and the output size OH x OW. Output i of an axis reads input rows
 * {@code i*stride - padBegin + r*dilation}, r < kernel; rows outside [0, H) are padding.
 *
 * <p>{@code ceil_mode} rounds the output size up, but, as in PyTorch and ONNX, a last window
 * that would start inside the end padding is dropped.
 */
public record PoolGeometry(int H, int W, int OH, int OW, int top, int left, int bottom, int right) {

    public static PoolGeometry of(PoolSpec p, long[] xShape) {
        if (xShape.length != 4) {
            throw new IllegalArgumentException("pooling expects x [N, C, H, W], got " + Arrays.toString(xShape));
        }
        int H = (int) xShape[2];
        int W = (int) xShape[3];
        int[] ph = p.padding().pads(H, p.kernelH(), p.strideH(), p.dilationH(), p.padTop(), p.padBottom());
        int[] pw = p.padding().pads(W, p.kernelW(), p.strideW(), p.dilationW(), p.padLeft(), p.padRight());
        int OH = outputSize(H, p.kernelH(), p.strideH(), p.dilationH(), ph, p.ceilMode());
        int OW = outputSize(W, p.kernelW(), p.strideW(), p.dilationW(), pw, p.ceilMode());
        if (OH < 1 || OW < 1) {
            throw new IllegalArgumentException("pooling window " + p.kernelH() + "x" + p.kernelW() + " does not fit input "
                    + Arrays.toString(xShape) + " with pads " + Arrays.toString(ph) + Arrays.toString(pw));
        }
        return new PoolGeometry(H, W, OH, OW, ph[0], pw[0], ph[1], pw[1]);
    }

    private static int outputSize(int in, int k, int s, int d, int[] pads, boolean ceil) {
        int span = in + pads[0] + pads[1] - ((k - 1) * d + 1);
        if (span < 0) {
            return 0;
        }
        int out = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (out - 1) * s >= in + pads[0]) {
            out--;
        }
        return out;
    }

    /** The array itself when it is dense, c-ordered and starts its buffer; else a dense copy. */
    static INDArray dense(INDArray a) {
        boolean ok = a.offset() == 0 && a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
        return ok ? a : a.dup('c');
    }

    /** Element access to a dense float32 or float64 array, so one loop serves both precisions. */
    interface Values {
        double get(int i);

        void set(int i, double v);

        static Values of(INDArray dense) {
            if (dense.length() >= Integer.MAX_VALUE) {
                throw new IllegalArgumentException("pooling indexes with int: array too large, " + dense.length() + " elements");
            }
            if (dense.dataType() == DataType.FLOAT) {
                FloatBuffer b = dense.data().asNioFloat();
                return new Values() {
                    public double get(int i) { return b.get(i); }
                    public void set(int i, double v) { b.put(i, (float) v); }
                };
            }
            if (dense.dataType() == DataType.DOUBLE) {
                DoubleBuffer b = dense.data().asNioDouble();
                return new Values() {
                    public double get(int i) { return b.get(i); }
                    public void set(int i, double v) { b.put(i, v); }
                };
            }
            throw new IllegalArgumentException("pooling supports float32 and float64 inputs, got " + dense.dataType());
        }
    }
}
