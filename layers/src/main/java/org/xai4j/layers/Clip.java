package org.xai4j.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Clipping, elementwise: {@code y = min(max(x, min), max)}, {@code dx = dy * [min < x < max]};
 * any shape. The derivative is 0 on both bounds, so ReLU6 = Clip(0, 6) has 0 at x = 0 and
 * x = 6, as in PyTorch's hardtanh. ReLU6: Howard et al., MobileNets, 2017 ({@link ReLU6} is
 * its faster form).
 */
public final class Clip implements Layer<Clip.Cache> {

    /** The output: {@code min < y < max} exactly where {@code min < x < max}. */
    public record Cache(INDArray y) {}

    private final double min, max;

    /** y = min(max(x, min), max); ReLU6 is Clip(0, 6). Use +-infinity for a missing bound. */
    public Clip(double min, double max) {
        if (!(min <= max)) {
            throw new IllegalArgumentException("Clip needs min <= max, got min=" + min + ", max=" + max);
        }
        this.min = min;
        this.max = max;
    }

    public static Clip relu6() { return new Clip(0, 6); }
    public double min() { return min; }
    public double max() { return max; }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        INDArray y = Nd4j.exec(new ClipByValue(x[0], min, max))[0];
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
        DataType t = dy.dataType();
        INDArray dx = y.gt(min).castTo(t);
        dx.muli(y.lt(max).castTo(t)).muli(dy);
        return Backward.of(dx);
    }

    @Override
    public String describe() {
        return "Clip(min=" + min + ", max=" + max + ")";
    }
}
