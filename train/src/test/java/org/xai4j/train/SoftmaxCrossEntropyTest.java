package org.xai4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SoftmaxCrossEntropyTest {

    private static INDArray logits(long seed, int N, int K, double scale) {
        Random rng = new Random(seed);
        double[][] z = new double[N][K];
        for (double[] row : z) {
            for (int k = 0; k < K; k++) {
                row[k] = scale * rng.nextGaussian();
            }
        }
        return Nd4j.create(z);
    }

    @Test
    void gradientMatchesCentralDifferences() {
        int[] labels = {0, 3, 2, 2, 1};
        for (double s : new double[] {0, 0.1}) {
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(s);
            INDArray z = logits(1, 5, 4, 2);
            INDArray dz = loss.apply(z, labels).dz();
            double h = 1e-6;
            for (int n = 0; n < 5; n++) {
                for (int k = 0; k < 4; k++) {
                    double v = z.getDouble(n, k);
                    z.putScalar(n, k, v + h);
                    double plus = loss.apply(z, labels).loss();
                    z.putScalar(n, k, v - h);
                    double minus = loss.apply(z, labels).loss();
                    z.putScalar(n, k, v);
                    double numeric = (plus - minus) / (2 * h);
                    // As GradientCheck: O(h^2) truncation ~1e-12, rounding ~1e-16 / h = 1e-10 of a loss of order 1.
                    assertEquals(numeric, dz.getDouble(n, k), 1e-8 + 1e-6 * Math.abs(numeric),
                            "smoothing " + s + ", row " + n + ", class " + k);
                }
            }
        }
    }

    @Test
    void closedFormsAndHugeLogits() {
        // Equal logits: p = 1/K, L = log K, dz = (1/K - [k == y]) / N.
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.PLAIN.apply(Nd4j.zeros(DataType.DOUBLE, 2, 4), new int[] {1, 3});
        assertEquals(Math.log(4), r.loss(), 1e-15);
        assertEquals((0.25 - 1) / 2, r.dz().getDouble(0, 1), 1e-15);
        assertEquals(0.25 / 2, r.dz().getDouble(0, 0), 1e-15);
        // Logits of 1000 would overflow exp() without the max shift; the loss is the same as for the shifted row.
        INDArray z = Nd4j.createFromArray(new double[][] {{1000, 1002, 999}});
        double shifted = SoftmaxCrossEntropy.PLAIN.apply(Nd4j.createFromArray(new double[][] {{1, 3, 0}}), new int[] {0}).loss();
        SoftmaxCrossEntropy.Result big = SoftmaxCrossEntropy.PLAIN.apply(z, new int[] {0});
        assertEquals(shifted, big.loss(), 1e-12);
        // A wrong class by a margin of 1000: L = 1000 + log(1 + e^-1000) = 1000 to the last bit, gradient finite.
        SoftmaxCrossEntropy.Result wrong = SoftmaxCrossEntropy.PLAIN.apply(Nd4j.createFromArray(new double[][] {{0, 1000}}), new int[] {0});
        assertEquals(1000, wrong.loss(), 0);
        assertEquals(-1, wrong.dz().getDouble(0, 0), 0);
        // Label smoothing s with K classes: the target puts 1 - s + s/K on the label; at equal logits L = log K still.
        SoftmaxCrossEntropy.Result smooth = new SoftmaxCrossEntropy(0.1).apply(Nd4j.zeros(DataType.DOUBLE, 1, 4), new int[] {2});
        assertEquals(Math.log(4), smooth.loss(), 1e-15);
        assertEquals(0.25 - (0.9 + 0.025), smooth.dz().getDouble(0, 2), 1e-15);
    }

    @Test
    void gradientComesBackInTheLogitsType() {
        INDArray z = logits(2, 3, 5, 1).castTo(DataType.FLOAT);
        assertEquals(DataType.FLOAT, SoftmaxCrossEntropy.PLAIN.apply(z, new int[] {0, 1, 4}).dz().dataType());
    }

    @Test
    void refusesLabelsOutOfRange() {
        INDArray z = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.PLAIN.apply(z, new int[] {0, 3}))
                .getMessage().contains("label 3 of row 1 is not a class of 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.PLAIN.apply(z, new int[] {0}))
                .getMessage().contains("1 labels for 2 rows"));
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxCrossEntropy(1));
    }
}
