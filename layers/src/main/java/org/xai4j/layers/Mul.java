package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Elementwise product of two inputs with NumPy broadcasting: {@code y = a * b};
 * {@code da = dy * b} and {@code db = dy * a}, each summed over the axes along which its input
 * was broadcast (a per-channel scale [1, C, 1, 1] gets the sum over N, H and W).
 */
public final class Mul implements Layer<Mul.Cache> {

    /** Both inputs: each one's gradient is dy times the other. */
    public record Cache(INDArray a, INDArray b) {}

    /** Elementwise product of two inputs with NumPy broadcasting. */
    public Mul() {}

    @Override
    public Forward<Cache> forward(INDArray... x) {
        if (x.length != 2) {
            throw new IllegalArgumentException("Mul takes 2 inputs, got " + x.length);
        }
        Broadcast.shape(x[0].shape(), x[1].shape());
        return Forward.of(x[0].mul(x[1]), new Cache(x[0], x[1]));
    }

    @Override
    public long[] outputShape(long[]... x) {
        return Broadcast.shape(x);
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        INDArray da = need.input(0) ? Broadcast.reduceTo(dy.mul(cache.b()), cache.a().shape()) : null;
        INDArray db = need.input(1) ? Broadcast.reduceTo(dy.mul(cache.a()), cache.b().shape()) : null;
        return Backward.of(da, db);
    }
}
