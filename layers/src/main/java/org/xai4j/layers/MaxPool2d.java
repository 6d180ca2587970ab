package org.xai4j.layers;

import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
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
 * <p>Forward uses ND4J's built-in kernel where it applies (symmetric pads, no ceil-mode
 * overhang), with oneDNN switched off for the call: oneDNN's max pooling is several times
 * slower (../shared/ND4J.md). Otherwise, and always for backward, the winners come from the
 * plain loop in {@link #switches}, which fixes the tie rule independently of any kernel.
 */
public final class MaxPool2d implements Layer<MaxPool2d.Cache> {
    private final PoolSpec spec;

    /** The input, alive anyway as the previous activation: backward finds the winners again. */
    public record Cache(INDArray x) {}

    public MaxPool2d(PoolSpec spec) { this.spec = spec; }
    public PoolSpec spec() { return spec; }

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = in[0];
        PoolGeometry g = PoolGeometry.of(spec, x.shape());
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(1), g.OH(), g.OW());
        if (nd4jCanPool(g)) {
            pool(x, y, g);
        } else {
            INDArray xd = PoolGeometry.dense(x);
            int[] switches = switches(xd, g);
            PoolGeometry.Values xv = PoolGeometry.Values.of(xd);
            PoolGeometry.Values yv = PoolGeometry.Values.of(y);
            for (int o = 0; o < switches.length; o++) {
                yv.set(o, switches[o] < 0 ? Double.NEGATIVE_INFINITY : xv.get(switches[o]));
            }
        }
        return Forward.of(y, new Cache(x));
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        INDArray x = PoolGeometry.dense(cache.x());
        int[] switches = switches(x, PoolGeometry.of(spec, x.shape()));
        INDArray dx = Nd4j.zeros(dy.dataType(), x.shape());
        PoolGeometry.Values dyv = PoolGeometry.Values.of(PoolGeometry.dense(dy));
        PoolGeometry.Values dxv = PoolGeometry.Values.of(dx);
        int planes = (int) (x.size(0) * x.size(1));
        int planeOut = switches.length / planes;
        // Parallel over planes: the windows of a plane only hit that plane, so no races.
        IntStream.range(0, planes).parallel().forEach(p -> {
            for (int o = p * planeOut; o < (p + 1) * planeOut; o++) {
                if (switches[o] >= 0) { // -1: a window of padding only, y = -inf, no input to blame
                    dxv.set(switches[o], dxv.get(switches[o]) + dyv.get(o));
                }
            }
        });
        return Backward.of(dx);
    }

    /** For each output, the flat index into x (dense) of the first maximum of its window, or -1. */
    int[] switches(INDArray x, PoolGeometry g) {
        if (x.length() >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("MaxPool2d: input too large for int indices: " + x.length());
        }
        int planes = (int) (x.size(0) * x.size(1));
        int planeOut = g.OH() * g.OW();
        int[] switches = new int[planes * planeOut];
        PoolGeometry.Values xv = PoolGeometry.Values.of(x);
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
                            // Strictly greater keeps the first maximum; NaN wins, as in PyTorch.
                            if (arg < 0 || v > best || Double.isNaN(v)) {
                                best = v;
                                arg = at;
                            }
                        }
                    }
                    switches[p * planeOut + i * g.OW() + j] = arg;
                }
            }
        });
        return switches;
    }

    /** ND4J's kernel pads symmetrically and rounds the output size down. */
    private boolean nd4jCanPool(PoolGeometry g) {
        int floorOH = (g.H() + g.top() + g.bottom() - (spec.kernelH() - 1) * spec.dilationH() - 1) / spec.strideH() + 1;
        int floorOW = (g.W() + g.left() + g.right() - (spec.kernelW() - 1) * spec.dilationW() - 1) / spec.strideW() + 1;
        return g.top() == g.bottom() && g.left() == g.right() && floorOH == g.OH() && floorOW == g.OW();
    }

    private void pool(INDArray x, INDArray y, PoolGeometry g) {
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(x);
            context.setOutputArrays(y);
            // kH, kW, sH, sW, pH, pW, dH, dW, same mode (0: pads given), unused, data format (0 = NCHW).
            context.setIArguments(spec.kernelH(), spec.kernelW(), spec.strideH(), spec.strideW(), g.top(), g.left(),
                    spec.dilationH(), spec.dilationW(), 0, 0, 0);
            context.allowHelpers(false);
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder("maxpool2d").build(), context);
        } finally {
            Conv2d.closeQuietly(context);
        }
    }

    @Override
    public String describe() {
        return "MaxPool2d " + AvgPool2d.window(spec);
    }
}
