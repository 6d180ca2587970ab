package org.xai4j.layers;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded double arrays for layer tests (c-ordered, not views, as GradientCheck requires). */
final class TestData {
    private TestData() {}

    /** Uniform in [lo, hi). */
    static INDArray uniform(long seed, double lo, double hi, long... shape) {
        Random rng = new Random(seed);
        INDArray x = Nd4j.create(DataType.DOUBLE, shape);
        INDArray flat = x.reshape(x.length());
        for (long i = 0; i < x.length(); i++) {
            flat.putScalar(i, lo + (hi - lo) * rng.nextDouble());
        }
        return x;
    }

    /**
     * Uniform in [lo, hi), but every value at least {@code margin} away from each kink: central
     * differences with step h straddling a kink would measure the average of two slopes.
     */
    static INDArray awayFrom(long seed, double lo, double hi, double[] kinks, double margin, long... shape) {
        INDArray x = uniform(seed, lo, hi, shape);
        INDArray flat = x.reshape(x.length());
        for (long i = 0; i < x.length(); i++) {
            double v = flat.getDouble(i);
            for (double k : kinks) {
                if (Math.abs(v - k) < margin) {
                    v = v < k ? k - margin : k + margin;
                }
            }
            flat.putScalar(i, v);
        }
        return x;
    }

    static INDArray vector(double... v) {
        return Nd4j.create(v, new long[] {v.length}, DataType.DOUBLE);
    }
}
