package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/** Logistic sigmoid, elementwise: {@code y = 1 / (1 + e^-x)}, {@code dx = dy * y (1 - y)}; any shape. */
public final class Sigmoid implements Layer<Sigmoid.Cache> {

    /** The output, which is all the derivative needs. */
    public record Cache(INDArray y) {}

    public Sigmoid() {}

    @Override
    public Forward<Cache> forward(INDArray... x) {
        INDArray y = Transforms.sigmoid(x[0], true);
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
        return Backward.of(y.rsub(1).muli(y).muli(dy));
    }
}
