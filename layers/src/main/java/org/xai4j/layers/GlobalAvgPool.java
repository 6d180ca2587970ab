package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Global average pooling: the mean of each channel over the whole H x W plane.
 *
 * <pre>y[n,c,0,0] = (1 / HW) sum_{h,w} x[n,c,h,w]        dx[n,c,h,w] = dy[n,c,0,0] / HW</pre>
 * x [N,C,H,W], y [N,C,1,1] (ONNX GlobalAveragePool keeps the spatial axes). Lin et al. 2014.
 */
public final class GlobalAvgPool implements Layer<GlobalAvgPool.Cache> {

    /** Only the input shape. */
    public record Cache(long[] xShape) {}

    /** [N, C, H, W] -> [N, C, 1, 1] (ONNX GlobalAveragePool keeps the spatial axes). */
    public GlobalAvgPool() {}

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = in[0];
        if (x.rank() != 4) {
            throw new IllegalArgumentException("GlobalAvgPool expects x [N, C, H, W], got " + Arrays.toString(x.shape()));
        }
        long[] s = x.shape();
        int channels = channels(s);
        int hw = (int) (s[2] * s[3]);
        // Java sums over one native copy: right after a forward pass, ND4J's mean over the two
        // axes took 320 µs on ResNet-50's 2048 x 7 x 7 and these loops 225 (see Flat).
        int planes = Math.toIntExact(s[0] * channels);
        double[] values = Flat.read(x);
        double[] y = new double[planes];
        for (int p = 0; p < planes; p++) {
            double sum = 0;
            for (int i = p * hw; i < (p + 1) * hw; i++) {
                sum += values[i];
            }
            y[p] = sum / hw; // an empty plane's mean is 0 / 0, NaN
        }
        return Forward.of(Flat.create(y, x.dataType(), s[0], s[1], 1, 1), new Cache(s));
    }

    @Override
    public long[] outputShape(long[]... x) {
        if (x[0].length != 4) {
            throw new IllegalArgumentException("GlobalAvgPool expects x [N, C, H, W], got " + Arrays.toString(x[0]));
        }
        return new long[] {x[0][0], x[0][1], 1, 1};
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        long[] s = cache.xShape();
        int channels = channels(s);
        int hw = (int) (s[2] * s[3]);
        if (dy.length() != s[0] * channels) {
            throw new IllegalArgumentException("GlobalAvgPool backward expects dy of " + s[0] + " x " + channels + " values, got "
                    + Arrays.toString(dy.shape()));
        }
        // Java loops: right after a forward pass, ND4J's divide and broadcast took 574 µs on
        // ResNet-50's 2048 x 7 x 7 and these loops 232, the same values (see Flat).
        double[] share = Flat.read(dy);
        double[] dx = new double[Math.toIntExact(share.length * (long) hw)];
        for (int p = 0; p < share.length; p++) {
            Arrays.fill(dx, p * hw, (p + 1) * hw, share[p] / hw);
        }
        return Backward.of(Flat.create(dx, dy.dataType(), s));
    }

    /** The channel count, once x is known to hold fewer than 2^31 - 8 values (a Java array's limit). */
    private static int channels(long[] s) {
        if (s[0] * s[1] * s[2] * s[3] > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("GlobalAvgPool takes fewer than 2^31 - 8 values, got " + Arrays.toString(s));
        }
        return (int) s[1];
    }
}
