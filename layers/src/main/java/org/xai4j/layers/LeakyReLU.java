package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Leaky rectifier, elementwise: {@code y = x > 0 ? x : alpha x},
 * {@code dx = dy * (x > 0 ? 1 : alpha)}; any shape. The slope at 0 is alpha, as in PyTorch.
 * Maas, Hannun and Ng, ICML 2013.
 */
public final class LeakyReLU implements Layer<LeakyReLU.Cache> {

    /** The input (the sign of y gives no answer when alpha <= 0). */
    public record Cache(INDArray x) {}

    private final double alpha;

    public LeakyReLU(double alpha) { this.alpha = alpha; }
    public double alpha() { return alpha; }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        return Forward.of(Transforms.leakyRelu(x[0], alpha, true), new Cache(x[0]));
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
        // step(x) = [x > 0]; slope = alpha + (1 - alpha) step(x). ND4J's own leakyReluDerivative
        // gives 1 at x == 0, which differs from PyTorch.
        INDArray dx = Transforms.step(cache.x(), true);
        dx.muli(1 - alpha).addi(alpha).muli(dy);
        return Backward.of(dx);
    }

    @Override
    public String describe() {
        return "LeakyReLU(alpha=" + alpha + ")";
    }
}
