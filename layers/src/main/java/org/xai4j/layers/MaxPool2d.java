package org.xai4j.layers;

import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Max pooling over R x S windows of each channel; padding never wins (it counts as -infinity).
 *
 * <pre>y[n,c,i,j] = max_{r,s} x[n, c, i sH - padTop + r dH, j sW - padLeft + s dW]</pre>
 * x [N,C,H,W], y [N,C,OH,OW] (see {@link PoolGeometry} for OH, OW and ceil mode).
 * Backward routes each dy to the position that won its window, the first maximum in scan order
 * on ties (as PyTorch does); overlapping windows add up. Ranzato et al. 2007.
 *
 * <p>Forward and backward are plain loops over the windows, parallel over the N x C planes;
 * {@link Nd4jMaxPool2d} runs forward on ND4J's kernel where it applies. Backward finds the
 * winners again, so it fixes the tie rule whatever kernel ran forward.
 */
public final class MaxPool2d implements Layer<MaxPool2d.Cache> {
    private final PoolSpec spec;

    /** Input and output, both alive anyway as activations: backward finds the winners again. */
    public record Cache(INDArray x, INDArray y) {}

    public MaxPool2d(PoolSpec spec) { this.spec = spec; }
    public PoolSpec spec() { return spec; }

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = in[0];
        PoolGeometry g = PoolGeometry.of(spec, x.shape());
        INDArray y = Memory.uninitialized(x.dataType(), x.size(0), x.size(1), g.OH(), g.OW());
        maxima(PoolGeometry.dense(x), y, g);
        return Forward.of(y, new Cache(x, y));
    }

    @Override
    public long[] outputShape(long[]... x) {
        PoolGeometry g = PoolGeometry.of(spec, x[0]);
        return new long[] {x[0][0], x[0][1], g.OH(), g.OW()};
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        INDArray x = PoolGeometry.dense(cache.x());
        PoolGeometry g = PoolGeometry.of(spec, x.shape());
        INDArray dx = Memory.zeros(dy.dataType(), x.shape());
        PoolGeometry.Values xv = PoolGeometry.Values.of(x);
        PoolGeometry.Values yv = PoolGeometry.Values.of(PoolGeometry.dense(cache.y()));
        PoolGeometry.Values dyv = PoolGeometry.Values.of(PoolGeometry.dense(dy));
        PoolGeometry.Values dxv = PoolGeometry.Values.of(dx);
        // The winner of a window is its first tap equal to the window's maximum y (a max is exact,
        // so equality is exact), scanning rows then columns: PyTorch's tie rule. Parallel over
        // planes: a plane's windows only touch that plane, so there are no races.
        IntStream.range(0, (int) (x.size(0) * x.size(1))).parallel().forEach(p -> {
            int base = p * g.H() * g.W();
            for (int i = 0; i < g.OH(); i++) {
                for (int j = 0; j < g.OW(); j++) {
                    int o = (p * g.OH() + i) * g.OW() + j;
                    int at = firstEqual(xv, base, i, j, yv.get(o), g);
                    if (at >= 0) { // -1: a window of padding only, y = -inf, no input to blame
                        dxv.set(at, dxv.get(at) + dyv.get(o));
                    }
                }
            }
        });
        return Backward.of(dx);
    }

    /**
     * The first tap of window (i,j) equal to its maximum; if none is (a hook changed y after
     * forward), a second pass takes the first maximum of x itself.
     */
    private int firstEqual(PoolGeometry.Values xv, int base, int i, int j, double max, PoolGeometry g) {
        boolean nan = Double.isNaN(max);
        int first = -1;
        for (int pass = 0; pass < 2; pass++) {
            for (int r = 0; r < spec.kernelH(); r++) {
                int h = i * spec.strideH() - g.top() + r * spec.dilationH();
                for (int s = 0; s < spec.kernelW() && h >= 0 && h < g.H(); s++) {
                    int w = j * spec.strideW() - g.left() + s * spec.dilationW();
                    if (w >= 0 && w < g.W()) {
                        int at = base + h * g.W() + w;
                        double v = xv.get(at);
                        if (pass == 0 && (v == max || nan && Double.isNaN(v))) {
                            return at;
                        }
                        if (pass == 1 && (first < 0 || v > xv.get(first))) {
                            first = at;
                        }
                    }
                }
            }
        }
        return first;
    }

    /** y, one window at a time; padding is skipped, so it never wins. */
    private void maxima(INDArray x, INDArray y, PoolGeometry g) {
        PoolGeometry.Values xv = PoolGeometry.Values.of(x);
        PoolGeometry.Values yv = PoolGeometry.Values.of(y);
        IntStream.range(0, (int) (x.size(0) * x.size(1))).parallel().forEach(p -> {
            int base = p * g.H() * g.W();
            for (int i = 0; i < g.OH(); i++) {
                for (int j = 0; j < g.OW(); j++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int r = 0; r < spec.kernelH(); r++) {
                        int h = i * spec.strideH() - g.top() + r * spec.dilationH();
                        for (int s = 0; s < spec.kernelW() && h >= 0 && h < g.H(); s++) {
                            int w = j * spec.strideW() - g.left() + s * spec.dilationW();
                            if (w >= 0 && w < g.W()) {
                                max = Math.max(max, xv.get(base + h * g.W() + w)); // NaN wins, as in PyTorch
                            }
                        }
                    }
                    yv.set((p * g.OH() + i) * g.OW() + j, max);
                }
            }
        });
    }

    @Override
    public String describe() {
        return "MaxPool2d " + AvgPool2d.window(spec);
    }
}
