package org.xai4j.explain;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference input of integrated gradients: "absence of signal" (Sundararajan et al. 2017,
 * section 3; Sturmfels et al., "Visualizing the Impact of Feature Attribution Baselines",
 * Distill 2020, for the blurred and noise baselines). Given one input row {@code x [1, ...]},
 * returns an array of the same shape.
 */
@FunctionalInterface
public interface Baseline {

    INDArray forInput(INDArray x);

    /** All zeros: black for images whose black is 0, the mean image for standardised inputs. */
    static Baseline zero() {
        return x -> Nd4j.zerosLike(x);
    }

    /** The same as {@link #zero()}, under the name used for photos. */
    static Baseline black() {
        return zero();
    }

    /**
     * Each channel at its largest value in this input (the whole array's largest value if the
     * input is not [1, C, H, W]): white for a photo with a white pixel, whatever the input scaling.
     */
    static Baseline white() {
        return x -> {
            INDArray max = x.rank() == 4 ? x.max(2, 3).reshape(1, x.size(1), 1, 1) : x.max().reshape(NdArrays.column(1, x.rank()));
            return Nd4j.zerosLike(x).addi(max);
        };
    }

    /** Uniform noise over the input's own range {@code [min(x), max(x)]}, from a seeded generator. */
    static Baseline uniform(long seed) {
        return x -> {
            SplittableRandom rng = new SplittableRandom(seed);
            double lo = x.minNumber().doubleValue();
            double hi = x.maxNumber().doubleValue();
            double[] u = new double[(int) x.length()];
            for (int i = 0; i < u.length; i++) {
                u[i] = lo + (hi - lo) * rng.nextDouble();
            }
            return Nd4j.create(u, x.shape(), x.dataType());
        };
    }

    /** The input blurred by a Gaussian of {@code sigma} pixels over its last two axes. */
    static Baseline blurred(double sigma) {
        return x -> Maps.gaussianSmooth(x, sigma);
    }

    /** A given array of the input's shape. */
    static Baseline of(INDArray baseline) {
        return x -> {
            if (!Arrays.equals(baseline.shape(), x.shape())) {
                throw new IllegalArgumentException("the baseline has shape " + Arrays.toString(baseline.shape())
                        + " but one input row has shape " + Arrays.toString(x.shape()));
            }
            return baseline.castTo(x.dataType());
        };
    }
}
