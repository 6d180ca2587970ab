package org.xai4j.layers;

import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Average pooling over R x S windows of each channel.
 *
 * <pre>y[n,c,i,j] = (1 / D[i,j]) sum_{r,s} x[n, c, i sH - padTop + r dH, j sW - padLeft + s dW]</pre>
 * where padding reads 0 and the divisor D counts the window taps inside the padded input
 * ({@code countIncludePad}, PyTorch's and ONNX's {@code count_include_pad}) or inside the image
 * only. Taps that a ceil-mode window pushes past the end padding never count (as in PyTorch).
 * x [N,C,H,W], y [N,C,OH,OW]. Backward: every tap of window (i,j) gets {@code dy[i,j] / D[i,j]}.
 */
public final class AvgPool2d implements Layer<AvgPool2d.Cache> {
    private final PoolSpec spec;
    private final boolean countIncludePad;

    /** Only the input shape: the window geometry and divisors are recomputed from it. */
    public record Cache(long[] xShape) {}

    /** countIncludePad: divide by R*S everywhere (true) or by the number of real pixels (false). */
    public AvgPool2d(PoolSpec spec, boolean countIncludePad) { this.spec = spec; this.countIncludePad = countIncludePad; }
    public PoolSpec spec() { return spec; }
    public boolean countIncludePad() { return countIncludePad; }

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = PoolGeometry.dense(in[0]);
        PoolGeometry g = PoolGeometry.of(spec, x.shape());
        INDArray y = Memory.uninitialized(x.dataType(), x.size(0), x.size(1), g.OH(), g.OW());
        PoolGeometry.Values xv = PoolGeometry.Values.of(x);
        PoolGeometry.Values yv = PoolGeometry.Values.of(y);
        IntStream.range(0, (int) (x.size(0) * x.size(1))).parallel().forEach(p -> {
            int base = p * g.H() * g.W();
            for (int i = 0; i < g.OH(); i++) {
                for (int j = 0; j < g.OW(); j++) {
                    double sum = 0;
                    for (int r = 0; r < spec.kernelH(); r++) {
                        int h = i * spec.strideH() - g.top() + r * spec.dilationH();
                        for (int s = 0; s < spec.kernelW() && h >= 0 && h < g.H(); s++) {
                            int w = j * spec.strideW() - g.left() + s * spec.dilationW();
                            if (w >= 0 && w < g.W()) {
                                sum += xv.get(base + h * g.W() + w);
                            }
                        }
                    }
                    yv.set((p * g.OH() + i) * g.OW() + j, sum / divisor(g, i, j));
                }
            }
        });
        return Forward.of(y, new Cache(x.shape()));
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
        PoolGeometry g = PoolGeometry.of(spec, cache.xShape());
        INDArray dx = Memory.zeros(dy.dataType(), cache.xShape());
        PoolGeometry.Values dyv = PoolGeometry.Values.of(PoolGeometry.dense(dy));
        PoolGeometry.Values dxv = PoolGeometry.Values.of(dx);
        IntStream.range(0, (int) (cache.xShape()[0] * cache.xShape()[1])).parallel().forEach(p -> {
            int base = p * g.H() * g.W();
            for (int i = 0; i < g.OH(); i++) {
                for (int j = 0; j < g.OW(); j++) {
                    double share = dyv.get((p * g.OH() + i) * g.OW() + j) / divisor(g, i, j);
                    for (int r = 0; r < spec.kernelH(); r++) {
                        int h = i * spec.strideH() - g.top() + r * spec.dilationH();
                        for (int s = 0; s < spec.kernelW() && h >= 0 && h < g.H(); s++) {
                            int w = j * spec.strideW() - g.left() + s * spec.dilationW();
                            if (w >= 0 && w < g.W()) {
                                int at = base + h * g.W() + w;
                                dxv.set(at, dxv.get(at) + share);
                            }
                        }
                    }
                }
            }
        });
        return Backward.of(dx);
    }

    /** D[i,j]: taps of window (i,j) inside the padded input or, without countIncludePad, inside the image. */
    private int divisor(PoolGeometry g, int i, int j) {
        int lo = countIncludePad ? -g.top() : 0;
        int hi = countIncludePad ? g.H() + g.bottom() : g.H();
        int rows = taps(i * spec.strideH() - g.top(), spec.kernelH(), spec.dilationH(), lo, hi);
        lo = countIncludePad ? -g.left() : 0;
        hi = countIncludePad ? g.W() + g.right() : g.W();
        int cols = taps(j * spec.strideW() - g.left(), spec.kernelW(), spec.dilationW(), lo, hi);
        return Math.max(1, rows * cols);
    }

    private static int taps(int start, int kernel, int dilation, int lo, int hi) {
        int n = 0;
        for (int r = 0; r < kernel; r++) {
            int at = start + r * dilation;
            n += at >= lo && at < hi ? 1 : 0;
        }
        return n;
    }

    @Override
    public String describe() {
        return "AvgPool2d " + window(spec) + (countIncludePad ? " count_include_pad" : "");
    }

    static String window(PoolSpec p) {
        return p.kernelH() + "x" + p.kernelW() + " stride " + p.strideH() + "x" + p.strideW()
                + (p.padding() == Padding.EXPLICIT ? " pads [" + p.padTop() + "," + p.padLeft() + "," + p.padBottom() + "," + p.padRight() + "]"
                        : " " + p.padding())
                + (p.dilationH() * p.dilationW() > 1 ? " dilation " + p.dilationH() + "x" + p.dilationW() : "")
                + (p.ceilMode() ? " ceil_mode" : "");
    }
}
