package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * NumPy (and ONNX multidirectional) broadcasting: the output shape of an elementwise op, and
 * the reduction of an output gradient back to an input's shape. An input dimension of size 1
 * (or missing on the left) was repeated in forward, so its gradient is the sum over that axis.
 */
final class Broadcast {
    private Broadcast() {}

    /** The broadcast shape of {@code shapes}, aligned on the right; a clear error if incompatible. */
    static long[] shape(long[]... shapes) {
        int rank = 0;
        for (long[] s : shapes) {
            rank = Math.max(rank, s.length);
        }
        long[] out = new long[rank];
        Arrays.fill(out, 1);
        for (long[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int o = rank - s.length + i;
                if (s[i] != 1 && out[o] != 1 && s[i] != out[o]) {
                    throw new IllegalArgumentException("shapes cannot be broadcast together: " + describe(shapes));
                }
                if (s[i] != 1) {
                    out[o] = s[i];
                }
            }
        }
        return out;
    }

    /** {@code g} summed over the axes that broadcasting added to or repeated in {@code shape}. */
    static INDArray reduceTo(INDArray g, long[] shape) {
        if (Arrays.equals(g.shape(), shape)) {
            return g;
        }
        int lead = g.rank() - shape.length;
        int[] axes = new int[g.rank()];
        int n = 0;
        for (int i = 0; i < g.rank(); i++) {
            if (i < lead || (shape[i - lead] == 1 && g.size(i) != 1)) {
                axes[n++] = i;
            }
        }
        INDArray summed = n == 0 ? g : g.sum(true, Arrays.copyOf(axes, n));
        return summed.reshape('c', shape);
    }

    private static String describe(long[]... shapes) {
        StringBuilder s = new StringBuilder();
        for (long[] x : shapes) {
            s.append(s.length() == 0 ? "" : ", ").append(Arrays.toString(x));
        }
        return s.toString();
    }
}
