package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Global max pooling: the largest value of each channel over the whole H x W plane.
 *
 * <pre>y[n,c,0,0] = max_{h,w} x[n,c,h,w]</pre>
 * x [N,C,H,W], y [N,C,1,1]. Backward sends dy to the first maximum in scan order, like
 * {@link MaxPool2d} with one H x W window, which is how it is computed.
 */
public final class GlobalMaxPool implements Layer<GlobalMaxPool.Cache> {

    /** The cache of the H x W max pooling that did the work. */
    public record Cache(MaxPool2d pool, MaxPool2d.Cache cache) {}

    /** [N, C, H, W] -> [N, C, 1, 1]. */
    public GlobalMaxPool() {}

    @Override
    public Forward<Cache> forward(INDArray... in) {
        INDArray x = in[0];
        if (x.rank() != 4) {
            throw new IllegalArgumentException("GlobalMaxPool expects x [N, C, H, W], got " + Arrays.toString(x.shape()));
        }
        MaxPool2d pool = new MaxPool2d(PoolSpec.of((int) x.size(2), (int) x.size(3)));
        Forward<MaxPool2d.Cache> f = pool.forward(x);
        return Forward.of(f.y(), new Cache(pool, f.cache()));
    }

    @Override
    public long[] outputShape(long[]... x) {
        if (x[0].length != 4) {
            throw new IllegalArgumentException("GlobalMaxPool expects x [N, C, H, W], got " + Arrays.toString(x[0]));
        }
        return new long[] {x[0][0], x[0][1], 1, 1};
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        return cache.pool().backward(cache.cache(), dy, need);
    }
}
