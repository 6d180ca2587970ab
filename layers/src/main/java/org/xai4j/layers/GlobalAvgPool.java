package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.factory.Nd4j;
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
        return Forward.of(x.mean(2, 3).reshape(x.size(0), x.size(1), 1, 1), new Cache(x.shape()));
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
        INDArray share = dy.reshape(s[0], s[1]).div(s[2] * s[3]);
        INDArray dx = Memory.uninitialized(dy.dataType(), s);
        Nd4j.getExecutioner().exec(new BroadcastCopyOp(dx, share, dx, 0, 1));
        return Backward.of(dx);
    }
}
