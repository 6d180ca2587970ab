package org.xai4j.layers;

import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Max pooling over R x S windows of each channel; padding never wins (it counts as -infinity).
 *
 * <pre>y[n,c,i,j] = max_{r,s} x[n, c, i sH - padTop + r dH, j sW - padLeft + s dW]</pre>
 * x [N,C,H,W], y [N,C,OH,OW] (see {@link PoolGeometry} for OH, OW and ceil mode).
 * Backward routes each dy to the position that won its window, the first maximum in scan order
 * on ties (as PyTorch does); overlapping windows add up. Ranzato et al. 2007.
 *
 * <p>A plain loop, not ND4J's kernel: ND4J's pads are symmetric only, it has no ceil mode, and
 * the oneDNN build's max pooling is several times slower than this (../shared/ND4J.md).
 */
public final class MaxPool2d implements Layer<MaxPool2d.Cache> {
    private final PoolSpec spec;

    /** For each output, the flat index into x of the input that won its window. */
    public record Cache(long[] xShape, int[] switches) {}

    public MaxPool2d(PoolSpec spec) { this.spec = spec; }
    public PoolSpec spec() { return spec; }

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = PoolGeometry.dense(in[0]);
        PoolGeometry g = PoolGeometry.of(spec, x.shape());
        if (x.length() >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("MaxPool2d: input too large for int switches: " + x.length());
        }
        int planes = (int) (x.size(0) * x.size(1));
        int planeOut = g.OH() * g.OW();
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(1), g.OH(), g.OW());
        int[] switches = new int[planes * planeOut];
        PoolGeometry.Values xv = PoolGeometry.Values.of(x);
        PoolGeometry.Values yv = PoolGeometry.Values.of(y);
        IntStream.range(0, planes).parallel().forEach(p -> {
            int base = p * g.H() * g.W();
            for (int i = 0; i < g.OH(); i++) {
                int h0 = i * spec.strideH() - g.top();
                for (int j = 0; j < g.OW(); j++) {
                    int w0 = j * spec.strideW() - g.left();
                    int arg = -1;
                    double best = Double.NEGATIVE_INFINITY;
                    for (int r = 0; r < spec.kernelH(); r++) {
                        int h = h0 + r * spec.dilationH();
                        if (h < 0 || h >= g.H()) {
                            continue;
                        }
                        for (int s = 0; s < spec.kernelW(); s++) {
                            int w = w0 + s * spec.dilationW();
                            if (w < 0 || w >= g.W()) {
                                continue;
                            }
                            int at = base + h * g.W() + w;
                            double v = xv.get(at);
                            // Strictly greater keeps the first maximum; NaN propagates as in PyTorch.
                            if (arg < 0 || v > best || Double.isNaN(v)) {
                                best = v;
                                arg = at;
                            }
                        }
                    }
                    int o = p * planeOut + i * g.OW() + j;
                    switches[o] = arg;
                    yv.set(o, best);
                }
            }
        });
        return Forward.of(y, new Cache(x.shape(), switches));
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        INDArray dx = Nd4j.zeros(dy.dataType(), cache.xShape());
        PoolGeometry.Values dyv = PoolGeometry.Values.of(PoolGeometry.dense(dy));
        PoolGeometry.Values dxv = PoolGeometry.Values.of(dx);
        int[] switches = cache.switches();
        int planes = (int) (cache.xShape()[0] * cache.xShape()[1]);
        int planeOut = switches.length / planes;
        // Parallel over planes: windows of one plane only ever hit that plane, so no races.
        IntStream.range(0, planes).parallel().forEach(p -> {
            for (int o = p * planeOut; o < (p + 1) * planeOut; o++) {
                if (switches[o] >= 0) { // -1: a window made of padding only, y = -inf, no input to blame
                    dxv.set(switches[o], dxv.get(switches[o]) + dyv.get(o));
                }
            }
        });
        return Backward.of(dx);
    }

    @Override
    public String describe() {
        return "MaxPool2d " + AvgPool2d.window(spec);
    }
}
