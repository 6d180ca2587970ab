package org.xai4j.importers.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

class ThresholdReLUTest {

    /** Values from keras.backend.relu's three steps: mask at t, clip to [0, m], subtract a relu(t - x). */
    @Test
    void matchesKerasOnEveryPiece() {
        ThresholdReLU f = new ThresholdReLU(6, 0.1, 0.5);
        INDArray x = Nd4j.createFromArray(-2.0, 0.2, 0.5, 0.7, 5.0, 6.0, 9.0);
        // x < t: -0.1 (t - x); x = t: 0 (mask is strict, t - x = 0); above: x up to the cap 6.
        double[] expected = {-0.25, -0.03, 0, 0.7, 5, 6, 6};
        assertArrayEquals(expected, f.forward(x).y().toDoubleVector(), 1e-12);
    }

    /** A negative threshold: values between t and 0 pass the mask but are clipped to 0, as in Keras. */
    @Test
    void negativeThresholdClipsAtZero() {
        ThresholdReLU f = new ThresholdReLU(Double.POSITIVE_INFINITY, 0, -1);
        INDArray x = Nd4j.createFromArray(-3.0, -0.5, 2.0);
        assertArrayEquals(new double[] {0, 0, 2}, f.forward(x).y().toDoubleVector(), 1e-12);
        INDArray dx = f.backward(f.forward(x).cache(), Nd4j.ones(DataType.DOUBLE, 3), Need.INPUT).dx()[0];
        assertArrayEquals(new double[] {0, 0, 1}, dx.toDoubleVector(), 1e-12);
    }

    /** Inputs kept at least 0.05 from the kinks at t = 0.5, 0 and m = 6. */
    @Test
    void gradientCheck() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 4, 4).muli(10).subi(2);
        for (long i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            for (double kink : new double[] {0, 0.5, 6}) {
                if (Math.abs(v - kink) < 0.05) {
                    v = kink + 0.1;
                }
            }
            x.putScalar(i, v);
        }
        GradientCheck.check("ThresholdReLU", new ThresholdReLU(6, 0.1, 0.5), x);
        GradientCheck.check("ThresholdReLU without slope", new ThresholdReLU(Double.POSITIVE_INFINITY, 0, 0.5), x);
    }
}
