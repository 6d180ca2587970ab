package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** Hyperbolic tangent, elementwise: {@code y = tanh(x)}, {@code dx = dy * (1 - y^2)}; any shape. */
public final class Tanh implements Layer<Tanh.Cache> {

    /** The output, which is all the derivative needs. */
    public record Cache(INDArray y) {}

    public Tanh() {}

    @Override
    public Forward<Cache> forward(INDArray... x) {
        INDArray y = Transforms.tanh(x[0], true);
        return Forward.of(y, new Cache(y));
    }

    @Override
    public long[] outputShape(long[]... x) {
        return x[0];
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        INDArray y = cache.y();
        return Backward.of(y.mul(y).rsubi(1).muli(dy));
    }
}
