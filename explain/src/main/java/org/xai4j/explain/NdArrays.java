package org.xai4j.explain;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Small array chores shared by the explainers. */
final class NdArrays {
    private NdArrays() {}

    static INDArray create(double[] values, long[] shape, DataType type) {
        return Nd4j.create(values, shape, type);
    }

    /** Row {@code n} of a batch as a batch of one ({@code x} itself when it has one row). */
    static INDArray row(INDArray x, int n) {
        return x.size(0) == 1 ? x : x.get(NDArrayIndex.interval(n, n + 1)).dup();
    }

    /** Per-row results stacked along axis 0 (the parts are freed; a single part is returned as is). */
    static INDArray stack(java.util.List<INDArray> rows) {
        if (rows.size() == 1) {
            return rows.get(0);
        }
        INDArray all = Nd4j.concat(0, rows.toArray(INDArray[]::new));
        close(rows.toArray(INDArray[]::new));
        return all;
    }

    /** Shape {@code [n, 1, 1, ...]} of rank {@code rank}: a per-row factor that broadcasts. */
    static long[] column(long n, int rank) {
        long[] s = new long[rank];
        java.util.Arrays.fill(s, 1);
        s[0] = n;
        return s;
    }

    /** Frees arrays this code allocated; views and arrays already closed are left alone. */
    static void close(INDArray... xs) {
        for (INDArray x : xs) {
            if (x != null && x.closeable()) {
                x.close();
            }
        }
    }

    /**
     * Whether two arrays view the same memory. A layer's backward may hand {@code dy} itself (or
     * a reshape of it) on as {@code dx}; such an array must not be changed in place or freed.
     */
    static boolean sameBuffer(INDArray a, INDArray b) {
        return a == b || root(a.data()) == root(b.data());
    }

    private static DataBuffer root(DataBuffer b) {
        while (b.originalDataBuffer() != null && b.originalDataBuffer() != b) {
            b = b.originalDataBuffer();
        }
        return b;
    }

    /** Requires a 4-D batch {@code [N, C, H, W]}. */
    static void require4d(INDArray x, String what, String method) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(method + " needs " + what + " of shape [N,C,H,W]; got "
                    + java.util.Arrays.toString(x.shape()));
        }
    }
}
