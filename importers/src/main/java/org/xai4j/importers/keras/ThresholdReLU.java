package org.xai4j.importers.keras;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Keras's ReLU with a non-zero {@code threshold} t, as {@code keras.backend.relu} computes it
 * (slope a, cap m), elementwise on any shape:
 *
 * <pre>y = min(max(x [x &gt; t], 0), m) - a max(t - x, 0)      dx = dy ([x &gt; t] [0 &lt; x &lt; m] + a [x &lt; t])</pre>
 *
 * Only for t != 0: the other settings map to the common ReLU, Clip and LeakyReLU layers. Keras
 * layer: {@code tf.keras.layers.ReLU(max_value, negative_slope, threshold)}.
 */
final class ThresholdReLU implements Layer<ThresholdReLU.Cache> {

    record Cache(INDArray x) {}

    private final double max, slope, threshold;

    ThresholdReLU(double max, double slope, double threshold) {
        if (!(max > 0) || slope < 0) {
            throw new IllegalArgumentException("ThresholdReLU needs max > 0 and slope >= 0, got max=" + max + ", slope=" + slope);
        }
        this.max = max;
        this.slope = slope;
        this.threshold = threshold;
    }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        DataType t = x[0].dataType();
        INDArray y = x[0].mul(x[0].gt(threshold).castTo(t));
        y = Transforms.min(Transforms.max(y, 0, false), max, false);
        if (slope != 0) {
            y.subi(Transforms.max(x[0].rsub(threshold), 0, false).muli(slope));
        }
        return Forward.of(y, new Cache(x[0]));
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
        INDArray x = cache.x();
        DataType t = dy.dataType();
        INDArray pass = x.gt(threshold).castTo(t).muli(x.gt(0).castTo(t)).muli(x.lt(max).castTo(t));
        if (slope != 0) {
            pass.addi(x.lt(threshold).castTo(t).muli(slope));
        }
        return Backward.of(pass.muli(dy));
    }

    @Override
    public String describe() {
        return "ThresholdReLU(max=" + max + ", slope=" + slope + ", threshold=" + threshold + ")";
    }
}
