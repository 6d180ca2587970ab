package org.xai4j.layers;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * A {@link Linear} whose input gradient from a sparse {@code dy} sums the few rows of W it picks:
 * <pre>dx[n] = sum_{k : dy[n,k] != 0} dy[n,k] W[k]</pre>
 * when at most one entry in {@value #SPARSE} of dy is non-zero, and the Linear's GEMM
 * {@code dx = dy W} otherwise; forward and parameter gradients are the Linear's. An explanation's
 * seed is one class (or a few) per row, and the GEMM would read all of W for it: 8 MB on a
 * ResNet-50 head, about 1 ms.
 */
public final class SparseSeedLinear implements Layer<Linear.Cache>, Specialized<Linear> {

    /** {@code dy} is sparse enough when at most 1 in this many entries is non-zero. */
    private static final int SPARSE = 16;
    /** Larger {@code dy} (a dense training batch) is not scanned. */
    private static final long MAX_SCANNED = 1 << 16;

    private final Linear linear;

    /** The layer {@code linear}, whose weights this one reads. */
    public SparseSeedLinear(Linear linear) {
        this.linear = linear;
    }

    @Override
    public Linear reference() {
        return linear;
    }

    @Override
    public Forward<Linear.Cache> forward(INDArray... x) {
        return linear.forward(x);
    }

    @Override
    public long[] outputShape(long[]... x) {
        return linear.outputShape(x);
    }

    @Override
    public Backward backward(Linear.Cache cache, INDArray dy, Need need) {
        INDArray dx = need.input(0) ? fewRows(dy) : null;
        if (dx == null) {
            return linear.backward(cache, dy, need);
        }
        if (!need.parameters()) {
            return Backward.of(dx);
        }
        Backward parameters = linear.backward(cache, dy, new Need(new boolean[] {false}, true));
        return Backward.of(new INDArray[] {dx}, parameters.dParameters());
    }

    /** dx as the sum of the rows of W that dy picks; null when dy is not sparse enough (or not W's type). */
    private INDArray fewRows(INDArray dy) {
        INDArray weight = linear.weight();
        if (dy.dataType() != weight.dataType() || dy.length() > MAX_SCANNED) {
            return null;
        }
        // Java loops over a few rows of W: as ND4J ops (zeros, then an axpy per non-zero) one
        // class took 313 µs right after a forward pass on ResNet-50's head, these loops 137 (see Flat).
        double[] d = Flat.read(dy);
        long nonZero = Arrays.stream(d).filter(v -> v != 0).count();
        if (nonZero * SPARSE > d.length) {
            return null;
        }
        int rows = (int) dy.size(0);
        int classes = (int) dy.size(1);
        int in = (int) weight.size(1);
        if ((long) rows * in > Integer.MAX_VALUE - 8) {
            return null;
        }
        double[] dx = new double[rows * in];
        for (int n = 0; n < rows; n++) {
            for (int k = 0; k < classes; k++) {
                double scale = d[n * classes + k];
                if (scale != 0) {
                    double[] w = Flat.read(weight.getRow(k));
                    for (int i = 0; i < in; i++) {
                        dx[n * in + i] += scale * w[i];
                    }
                }
            }
        }
        return Flat.create(dx, dy.dataType(), rows, in);
    }

    @Override
    public Map<String, INDArray> parameters() {
        return linear.parameters();
    }

    @Override
    public String describe() {
        return linear.describe();
    }
}
