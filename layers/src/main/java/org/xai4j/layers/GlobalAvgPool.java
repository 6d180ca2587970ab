package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
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
        int channels = perImage(s);
        int hw = (int) (s[2] * s[3]);
        // Java sums over one native copy per image: ND4J's mean over the two axes took 0.48 ms
        // for MobileNetV2's 1280 x 7 x 7 right after a forward pass (see Flat).
        double[] y = new double[Math.toIntExact(s[0] * channels)];
        for (int n = 0; n < s[0] && channels * hw > 0; n++) {
            double[] image = Flat.read(x.slice(n));
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int i = c * hw; i < (c + 1) * hw; i++) {
                    sum += image[i];
                }
                y[n * channels + c] = sum / hw;
            }
        }
        return Forward.of(Flat.create(y, x.dataType(), s[0], s[1], 1, 1), new Cache(s));
    }

    /** The channel count, once an image is known to hold fewer than 2^31 values. */
    private static int perImage(long[] s) {
        if (s[1] * s[2] * s[3] > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("GlobalAvgPool takes fewer than 2^31 values per image, got " + Arrays.toString(s));
        }
        return (int) s[1];
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
        int channels = perImage(s);
        int hw = (int) (s[2] * s[3]);
        // Java loops, one image at a time: ND4J's divide and broadcast took 0.6-1.6 ms for
        // ResNet-50's 2048 x 7 x 7 right after a forward pass, almost all of it op dispatch (see Flat).
        double[] share = Flat.read(dy);
        INDArray dx = Memory.uninitialized(dy.dataType(), s);
        double[] image = new double[channels * hw];
        for (int n = 0; n < s[0] && image.length > 0; n++) {
            for (int c = 0; c < channels; c++) {
                Arrays.fill(image, c * hw, (c + 1) * hw, share[n * channels + c] / hw);
            }
            Flat.write(image, dx.slice(n));
        }
        return Backward.of(dx);
    }
}
