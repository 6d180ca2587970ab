package org.xai4j.train;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An array's values as a Java {@code double[]} in c order, and back: how the optimizers and the
 * running statistics update small arrays in one loop. Why: an update written as ND4J ops is four
 * to six op calls per parameter array, each some 20 microseconds of dispatch for a few hundred
 * values; a training step of the small ResNet spent 3 ms there (30 arrays), a loop takes 0.2 ms.
 * float32 and float64 arrays; arithmetic in double, rounded once when written back to float.
 * The copies go through JavaCPP's pointers (one native copy each): ND4J's {@code asNioFloat}
 * makes a direct buffer per call, and with five per parameter array a step spent 1 to 10 ms
 * there (thread CPU time; the larger figure in more than half of the steps, by a cause not found).
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
