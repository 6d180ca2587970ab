package org.xai4j.explain;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Noisy copies of one input row, as SmoothGrad draws them (Smilkov et al. 2017, section 3):
 * {@code x + N(0, std^2)} with {@code std = sigma * (max(x) - min(x))}. Drawn in Java from a
 * seeded generator, so a seed gives the same noise on every backend.
 */
final class Noise {
    private Noise() {}

    static double std(INDArray row, double sigma) {
        return sigma * (row.maxNumber().doubleValue() - row.minNumber().doubleValue());
    }

    /** {@code count} copies of {@code row [1, ...]} stacked as {@code [count, ...]}, each with fresh noise. */
    static INDArray copies(INDArray row, int count, double std, SplittableRandom rng) {
        long[] shape = row.shape().clone();
        shape[0] = count;
        float[] noise = new float[(int) (count * row.length())];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (std * rng.nextGaussian());
        }
        return Nd4j.create(noise, shape, 'c').castTo(row.dataType()).addi(row);
    }

    static void checkSettings(int samples, double sigma, int batchSize) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
        if (!(sigma >= 0)) {
            throw new IllegalArgumentException("sigma (noise level as a fraction of the input range) must be >= 0, got " + sigma);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
    }
}
