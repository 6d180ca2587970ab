package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Concatenation along one axis: {@code y = [x0, x1, ...]} (all other dimensions equal);
 * {@code dx_i} is the slice of {@code dy} that {@code x_i} filled, returned as a view.
 * A negative axis counts from the end (ONNX).
 */
public final class Concat implements Layer<Concat.Cache> {

    /** The resolved axis and each input's extent along it. */
    public record Cache(int axis, long[] sizes) {}

    private final int axis;

    public Concat(int axis) { this.axis = axis; }
    public int axis() { return axis; }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        if (x.length == 0) {
            throw new IllegalArgumentException("Concat needs at least one input");
        }
        int rank = x[0].rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("Concat axis " + axis + " is out of range for rank " + rank);
        }
        long[] sizes = new long[x.length];
        for (int i = 0; i < x.length; i++) {
            // shape() may return ND4J's own array: compare copies.
            long[] s = x[i].shape().clone();
            long[] first = x[0].shape();
            s[a] = first[a];
            if (!Arrays.equals(s, first)) {
                throw new IllegalArgumentException("Concat along axis " + a + ": input " + i + " has shape "
                        + Arrays.toString(x[i].shape()) + ", input 0 has " + Arrays.toString(first));
            }
            sizes[i] = x[i].size(a);
        }
        INDArray y = x.length == 1 ? x[0] : Nd4j.concat(a, x);
        return Forward.of(y, new Cache(a, sizes));
    }

    @Override
    public long[] outputShape(long[]... x) {
        int rank = x[0].length;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("Concat axis " + axis + " is out of range for rank " + rank);
        }
        long[] y = x[0].clone();
        y[a] = 0;
        for (int i = 0; i < x.length; i++) {
            long[] s = x[i].clone();
            if (s.length == rank) {
                s[a] = x[0][a];
            }
            if (!Arrays.equals(s, x[0])) {
                throw new IllegalArgumentException("Concat along axis " + a + ": input " + i + " has shape "
                        + Arrays.toString(x[i]) + ", input 0 has " + Arrays.toString(x[0]));
            }
            y[a] += x[i][a];
        }
        return y;
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        long[] sizes = cache.sizes();
        INDArray[] dx = new INDArray[sizes.length];
        long offset = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (need.input(i)) {
                INDArrayIndex[] slice = new INDArrayIndex[dy.rank()];
                for (int d = 0; d < slice.length; d++) {
                    slice[d] = d == cache.axis() ? NDArrayIndex.interval(offset, offset + sizes[i]) : NDArrayIndex.all();
                }
                dx[i] = dy.get(slice);
            }
            offset += sizes[i];
        }
        return Backward.of(dx);
    }

    @Override
    public String describe() {
        return "Concat(axis=" + axis + ")";
    }
}
