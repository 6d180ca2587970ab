package org.xai4j.engine.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;

/**
 * Bilinear resampling with half-pixel centres, up or down, without antialiasing: the rule of
 * OpenCV's {@code INTER_LINEAR}, TF2's {@code resize(method="bilinear")} and PyTorch's
 * {@code interpolate(mode="bilinear", align_corners=False)}. Along each axis, {@code in -> out}:
 * <pre>
 *   src = (dst + 0.5) * in / out - 0.5,  clamped to src >= 0
 *   i0 = min(floor(src), in - 1), i1 = min(i0 + 1, in - 1), l = src - i0
 *   y[dst] = (1 - l) * x[i0] + l * x[i1]        (along H, then along W)
 * </pre>
 * Shapes: {@code [..., h, w] -> [..., H, W]}, the leading axes kept (photos {@code [N, C, h, w]},
 * CAM maps {@code [N, h, w]}). Computed in double, stored in the input's type.
 */
public final class Resampling {
    private Resampling() {}

    public static INDArray bilinear(INDArray x, int H, int W) {
        if (x.rank() < 2 || H < 1 || W < 1) {
            throw new IllegalArgumentException("bilinear resampling takes [..., h, w] to at least 1x1; got "
                    + java.util.Arrays.toString(x.shape()) + " to " + H + "x" + W);
        }
        int rank = x.rank();
        int h = (int) x.size(rank - 2);
        int w = (int) x.size(rank - 1);
        int planes = (int) (x.length() / ((long) h * w));
        Axis rows = new Axis(h, H);
        Axis cols = new Axis(w, W);
        double[] in = Flat.read(x);
        double[] y = new double[planes * H * W];
        for (int p = 0; p < planes; p++) {
            int base = p * h * w;
            int out = p * H * W;
            for (int i = 0; i < H; i++) {
                int r0 = base + rows.lo[i] * w;
                int r1 = base + rows.hi[i] * w;
                double li = rows.frac[i];
                for (int j = 0; j < W; j++) {
                    int c0 = cols.lo[j];
                    int c1 = cols.hi[j];
                    double lj = cols.frac[j];
                    double top = (1 - lj) * in[r0 + c0] + lj * in[r0 + c1];
                    double bottom = (1 - lj) * in[r1 + c0] + lj * in[r1 + c1];
                    y[out + i * W + j] = (1 - li) * top + li * bottom;
                }
            }
        }
        long[] shape = x.shape().clone();
        shape[rank - 2] = H;
        shape[rank - 1] = W;
        return Flat.create(y, x.dataType(), shape);
    }

    /** Per output index of one axis: the two input indices it blends and the weight of the upper one. */
    private static final class Axis {
        final int[] lo;
        final int[] hi;
        final double[] frac;

        Axis(int in, int out) {
            lo = new int[out];
            hi = new int[out];
            frac = new double[out];
            double scale = (double) in / out;
            for (int d = 0; d < out; d++) {
                // The clamp at 0 is PyTorch's and OpenCV's: without it the first output pixels
                // would extrapolate beyond the first input pixel when upsampling.
                double src = Math.max((d + 0.5) * scale - 0.5, 0);
                lo[d] = Math.min((int) src, in - 1);
                hi[d] = Math.min(lo[d] + 1, in - 1);
                frac[d] = src - lo[d];
            }
        }
    }
}
