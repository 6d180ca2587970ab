package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Rectified linear unit, elementwise: {@code y = max(x, 0)}, {@code dx = dy * [x > 0]}; any shape.
 * The derivative at {@code x == 0} is 0, as in PyTorch. Nair and Hinton, ICML 2010.
 */
public final class ReLU implements Layer<ReLU.Cache> {

    /** The output: {@code y > 0} exactly where {@code x > 0}, and y is alive anyway. */
    public record Cache(INDArray y) {}

    public ReLU() {}

    @Override
    public Forward<Cache> forward(INDArray... x) {
        INDArray y = Memory.uninitialized(x[0].dataType(), x[0].shape());
        Nd4j.exec(new RectifiedLinear(x[0], y, 0.0));
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
        INDArray dx = Memory.uninitialized(dy.dataType(), dy.shape());
        // libnd4j's relu_bp: dx = y > 0 ? dy : 0, one pass, no mask array.
        Nd4j.exec(new RectifiedLinearDerivative(cache.y(), dy, dx));
        return Backward.of(dx);
    }
}
