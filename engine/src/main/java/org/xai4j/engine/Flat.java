package org.xai4j.engine;

import java.lang.ref.Reference;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An array's values as a Java {@code double[]} in c order, and back: how small arrays are updated
 * in one loop instead of a chain of ND4J ops. Why: each ND4J op costs tens of microseconds of
 * dispatch whatever its size, and 70-220 µs right after a compiled forward pass (measured on
 * 2,048 floats). The optimizers and running statistics of a training step of the small ResNet
 * (30 parameter arrays) took 2.9 to 6 ms as ND4J ops and take about 1 ms this way; Grad-CAM's
 * steps after the forward (seed, the head's backward, the map) are a dozen such calls.
 * Any floating type; float32 and float64 without an op (others are cast by ND4J). Arithmetic in
 * double, rounded once when written back to float.
 * The copies go through JavaCPP's pointers (one native copy each): through ND4J's
 * {@code asNioFloat}, which makes a direct buffer per call, the same training loops took 10 ms in
 * more than half of the steps (thread CPU time; the cause was not found).
 */
public final class Flat {
    /** float32 values are converted through a Java array of this many (32 KB), one native copy each. */
    private static final int CHUNK = 8192;

    private Flat() {}

    /** A copy of {@code a}'s values in c order (any layout, any view; a strided one is copied by ND4J first). */
    public static double[] read(INDArray a) {
        if (a.isEmpty()) {
            return new double[0];
        }
        int n = length(a);
        INDArray d = contiguous(a) ? a : a.dup('c');
        double[] v = new double[n];
        if (d.dataType() == DataType.FLOAT) {
            FloatPointer p = at(new FloatPointer(d.data().pointer()), d);
            long first = p.position();
            float[] chunk = new float[Math.min(n, CHUNK)];
            for (int start = 0; start < n; start += chunk.length) {
                int len = Math.min(chunk.length, n - start);
                p.position(first + start).get(chunk, 0, len);
                for (int i = 0; i < len; i++) {
                    v[start + i] = chunk[i];
                }
            }
        } else if (d.dataType() == DataType.DOUBLE) {
            at(new DoublePointer(d.data().pointer()), d).get(v);
        } else {
            return read(d.castTo(DataType.DOUBLE));
        }
        // The pointer copies above do not keep d alive: a temporary copy's memory must not be freed mid-read.
        Reference.reachabilityFence(d);
        return v;
    }

    /** Writes {@code v} (c order) into {@code a}, which must be contiguous in c order (its own buffer, or a row of one). */
    public static void write(double[] v, INDArray a) {
        if (v.length == 0 && a.length() == 0) {
            return;
        }
        if (!contiguous(a) || a.length() != v.length) {
            throw new IllegalArgumentException("writes " + v.length + " values into a contiguous c-order array of as many; got "
                    + a.shapeInfoToString());
        }
        if (a.dataType() == DataType.FLOAT) {
            FloatPointer p = at(new FloatPointer(a.data().pointer()), a);
            long first = p.position();
            float[] chunk = new float[Math.min(v.length, CHUNK)];
            for (int start = 0; start < v.length; start += chunk.length) {
                int len = Math.min(chunk.length, v.length - start);
                for (int i = 0; i < len; i++) {
                    chunk[i] = (float) v[start + i];
                }
                p.position(first + start).put(chunk, 0, len);
            }
        } else if (a.dataType() == DataType.DOUBLE) {
            at(new DoublePointer(a.data().pointer()), a).put(v);
        } else {
            a.assign(Nd4j.createFromArray(v).reshape(a.shape()));
        }
        Reference.reachabilityFence(a);
    }

    /** A new c-order array of {@code type} and {@code shape} holding {@code v}, in memory from {@link Memory}. */
    public static INDArray create(double[] v, DataType type, long... shape) {
        INDArray a = Memory.uninitialized(type, shape);
        write(v, a);
        return a;
    }

    /** {@code p}, a copy of the buffer's pointer, moved on to {@code a}'s first element. */
    private static <P extends Pointer> P at(P p, INDArray a) {
        return p.position(p.position() + a.offset());
    }

    /**
     * Whether the values are {@code length} consecutive elements from the offset, in c order: each
     * axis's stride is the product of the sizes after it, axes of size 1 aside (ND4J's own default
     * stride test refuses {@code [2, 5, 1, 1]} with strides {@code [5, 1, 1, 1]}). Then its buffer can be
     * read as a flat run from {@code a.offset()}, here and in {@link Finite}.
     */
    public static boolean contiguous(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return !a.isEmpty();
    }

    private static int length(INDArray a) {
        if (a.length() >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("reads arrays of fewer than 2^31 values, got " + a.length());
        }
        return (int) a.length();
    }
}
