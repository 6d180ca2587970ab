package org.xai4j.train;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An array's values as a Java {@code double[]} in c order, and back: how the optimizers and the
 * running statistics update small arrays in one loop. Why: an update written as ND4J ops is four
 * to six op calls per parameter array, each tens of microseconds of dispatch for a few hundred
 * values; the optimizer and the running statistics of a training step of the small ResNet (30
 * parameter arrays) took 2.9 to 6 ms that way and take about 1 ms this way (single thread).
 * float32 and float64 arrays; arithmetic in double, rounded once when written back to float.
 * The copies go through JavaCPP's pointers (one native copy each): through ND4J's
 * {@code asNioFloat}, which makes a direct buffer per call, the same loops took 10 ms in more than
 * half of the steps (thread CPU time; the cause was not found).
 */
final class Flat {
    private Flat() {}

    /** A copy of {@code a}'s values in c order (any layout, any view). */
    static double[] read(INDArray a) {
        INDArray d = dense(a);
        int n = length(d);
        double[] v = new double[n];
        if (d.dataType() == DataType.FLOAT) {
            float[] f = new float[n];
            new FloatPointer(d.data().pointer()).get(f);
            for (int i = 0; i < n; i++) {
                v[i] = f[i];
            }
        } else if (d.dataType() == DataType.DOUBLE) {
            new DoublePointer(d.data().pointer()).get(v);
        } else {
            throw new IllegalArgumentException("training updates float32 and float64 arrays, got " + d.dataType());
        }
        return v;
    }

    /** Writes {@code v} into {@code a}, which must be a dense c-order array of its own buffer (a parameter or a state slot). */
    static void write(double[] v, INDArray a) {
        if (!owns(a) || a.length() != v.length) {
            throw new IllegalArgumentException("training writes dense c-order arrays of their own buffer; got " + a.shapeInfoToString());
        }
        if (a.dataType() == DataType.FLOAT) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            new FloatPointer(a.data().pointer()).put(f);
        } else if (a.dataType() == DataType.DOUBLE) {
            new DoublePointer(a.data().pointer()).put(v);
        } else {
            throw new IllegalArgumentException("training updates float32 and float64 arrays, got " + a.dataType());
        }
    }

    private static INDArray dense(INDArray a) {
        return owns(a) ? a : a.dup('c');
    }

    /** c order, offset 0, and the whole buffer: its NIO view is exactly its values. */
    private static boolean owns(INDArray a) {
        return !a.isView() && a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length() && a.elementWiseStride() == 1;
    }

    private static int length(INDArray a) {
        if (a.length() >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("training updates arrays of fewer than 2^31 values, got " + a.length());
        }
        return (int) a.length();
    }
}
