package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bilinear resizing with half-pixel centres, exactly PyTorch's
 * {@code interpolate(mode='bilinear', align_corners=False)} without antialiasing:
 * <pre>
 *   src = (dst + 0.5) * in / out - 0.5,  clamped to src >= 0
 *   i0 = floor(src), i1 = min(i0 + 1, in - 1), l = src - i0
 *   y[dst] = (1 - l) * x[i0] + l * x[i1]        (along H, then along W)
 * </pre>
 * Shapes: {@code [N, h, w] -> [N, H, W]}. Computed in double, stored in the input's type.
 */
public final class Upsampling {
    private Upsampling() {}

    public static INDArray bilinear(INDArray maps, int H, int W) {
        if (maps.rank() != 3) {
            throw new IllegalArgumentException("bilinear upsampling takes maps [N,h,w]; got " + java.util.Arrays.toString(maps.shape()));
        }
        int n = (int) maps.size(0);
        int h = (int) maps.size(1);
        int w = (int) maps.size(2);
        Axis rows = new Axis(h, H);
        Axis cols = new Axis(w, W);
        double[] x = NdArrays.doubles(maps);
        double[] y = new double[n * H * W];
        for (int b = 0; b < n; b++) {
            int in = b * h * w;
            int out = b * H * W;
            for (int i = 0; i < H; i++) {
                int r0 = in + rows.lo[i] * w;
                int r1 = in + rows.hi[i] * w;
                double li = rows.frac[i];
                for (int j = 0; j < W; j++) {
                    int c0 = cols.lo[j];
                    int c1 = cols.hi[j];
                    double lj = cols.frac[j];
                    double top = (1 - lj) * x[r0 + c0] + lj * x[r0 + c1];
                    double bottom = (1 - lj) * x[r1 + c0] + lj * x[r1 + c1];
                    y[out + i * W + j] = (1 - li) * top + li * bottom;
                }
            }
        }
        return NdArrays.create(y, new long[] {n, H, W}, maps.dataType());
    }

    /** Source neighbours and weights along one axis, {@code in -> out}. */
    static final class Axis {
        final int[] lo;
        final int[] hi;
        final double[] frac;

        Axis(int in, int out) {
            lo = new int[out];
            hi = new int[out];
            frac = new double[out];
            double scale = (double) in / out;
            for (int d = 0; d < out; d++) {
                // The clamp at 0 is PyTorch's: without it the first output pixels would
                // extrapolate beyond the first input pixel when upsampling.
                double src = Math.max((d + 0.5) * scale - 0.5, 0);
                lo[d] = Math.min((int) src, in - 1);
                hi[d] = Math.min(lo[d] + 1, in - 1);
                frac[d] = src - lo[d];
            }
        }
    }
}
