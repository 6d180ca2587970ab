package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Relu6;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.Relu6Derivative;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * {@code Clip(0, 6)} on libnd4j's relu6 and relu6_bp: {@code y = min(max(x, 0), 6)},
 * {@code dx = dy * [0 < y < 6]}, each one pass. ReLU6 runs after every convolution of a
 * MobileNet: relu6 measured about 2x faster than the clip_by_value op, relu6_bp 3-4x faster than
 * the two masks of {@link Clip}'s backward. Howard et al., MobileNets, 2017.
 */
public final class ReLU6 implements Layer<Clip.Cache>, Specialized<Clip> {
    private final Clip clip;

    /** The layer {@code clip}, which must be Clip(0, 6). */
    public ReLU6(Clip clip) {
        if (!applies(clip)) {
            throw new IllegalArgumentException("ReLU6 is Clip(min=0.0, max=6.0), got " + clip.describe());
        }
        this.clip = clip;
    }

    /** Clip(0, 6) exactly. */
    public static boolean applies(Clip c) {
        return c.min() == 0 && c.max() == 6;
    }

    @Override
    public Clip reference() {
        return clip;
    }

    @Override
    public Forward<Clip.Cache> forward(INDArray... x) {
        INDArray y = Memory.uninitialized(x[0].dataType(), x[0].shape());
        Nd4j.exec(new Relu6(x[0], y));
        return Forward.of(y, new Clip.Cache(y));
    }

    @Override
    public long[] outputShape(long[]... x) {
        return x[0];
    }

    @Override
    public Backward backward(Clip.Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        INDArray dx = Memory.uninitialized(dy.dataType(), dy.shape());
        Nd4j.exec(new Relu6Derivative(cache.y(), dy, dx));
        return Backward.of(dx);
    }

    @Override
    public String describe() {
        return clip.describe();
    }
}
