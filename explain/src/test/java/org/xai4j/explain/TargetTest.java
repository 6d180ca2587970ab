package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;

class TargetTest {
    private static final Head NODE = new Head("z", "z", null, null, null, null, "");
    private static final INDArray Z = Nd4j.create(new double[][] {{0.3, -1.2, 2.0, 0.5}, {1.5, 0.1, -0.4, 0.2}});

    @Test
    void predictedTargetSeedsTheArgmaxLogitOfEachRow() {
        Target.Seed s = Target.predicted().seed(Z, NODE);
        assertArrayEquals(new int[] {2, 0}, s.scores().classes());
        assertArrayEquals(new double[] {2.0, 1.5}, s.scores().values(), 0);
        assertArrayEquals(new double[][] {{0, 0, 1, 0}, {1, 0, 0, 0}}, s.dz().toDoubleMatrix());
    }

    @Test
    void weightedSetSeedsTheWeightedSumOfOneHots() {
        Target.Seed s = Target.weighted(new int[] {1, 3}, new double[] {0.25, -2}).seed(Z, NODE);
        assertArrayEquals(new double[] {0, 0.25, 0, -2}, s.dz().getRow(1).toDoubleVector(), 0);
        assertEquals(0.25 * 0.1 - 2 * 0.2, s.scores().valueOf(1), 1e-15);
        assertEquals(-1, s.scores().classOf(0));
    }

    /**
     * The probability and log-probability seeds against central differences of the score.
     * Tolerance: h = 1e-6 in double gives truncation ~h^2 and rounding ~1e-16/h = 1e-10.
     */
    @Test
    void softmaxSeedsAreTheDerivativesOfTheirScores() {
        for (Target.Score kind : new Target.Score[] {Target.Score.PROBABILITY, Target.Score.LOG_PROBABILITY}) {
            Target t = Target.of(1).withScore(kind);
            double[][] dz = t.seed(Z, NODE).dz().toDoubleMatrix();
            double h = 1e-6;
            for (int row = 0; row < 2; row++) {
                for (int j = 0; j < 4; j++) {
                    INDArray up = Z.dup();
                    up.putScalar(row, j, Z.getDouble(row, j) + h);
                    INDArray down = Z.dup();
                    down.putScalar(row, j, Z.getDouble(row, j) - h);
                    double numeric = (t.seed(up, NODE).scores().valueOf(row) - t.seed(down, NODE).scores().valueOf(row)) / (2 * h);
                    assertEquals(numeric, dz[row][j], 1e-8, kind + " row " + row + " logit " + j);
                }
            }
        }
    }

    @Test
    void logProbabilityDoesNotUnderflow() {
        INDArray far = Nd4j.create(new double[][] {{0, 2000}});
        assertEquals(-2000, Target.of(0).withScore(Target.Score.LOG_PROBABILITY).seed(far, NODE).scores().valueOf(0), 1e-9);
    }

    @Test
    void fixingAtARowKeepsThatRowsPredictedClassForEveryCopy() {
        Target fixed = Target.predicted().fixedAt(Z, 1);
        INDArray copies = Nd4j.create(new double[][] {{0, 0, 9, 0}, {0, 9, 0, 0}, {1, 2, 3, 4}});
        assertArrayEquals(new int[] {0, 0, 0}, fixed.seed(copies, NODE).scores().classes());
    }

    @Test
    void classOutOfRangeIsAOneLineError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Target.of(4).seed(Z, NODE));
        assertEquals("target class 4 is out of range: 'z' has 4 classes (0..3)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Target.of(-1));
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> Target.perRow(0, 1, 2).seed(Z, NODE));
        assertTrue(rows.getMessage().contains("3 classes (one per row) for a batch of 2 rows"), rows.getMessage());
    }

    @Test
    void aSoftmaxOutputIsExplainedThroughItsInput() {
        INDArray W = TestNets.uniform(1, 1, 4, 3);
        Graph withSoftmax = TestNets.linear(W, null, true);
        Head logits = Head.of(withSoftmax);
        assertEquals("logits", logits.logits());
        assertTrue(logits.note().contains("softmax"), logits.note());
        INDArray x = TestNets.input(2, DataType.DOUBLE, 2, 3);
        Attribution a = new Saliency().explain(withSoftmax, x, Target.of(2));
        Attribution b = new Saliency().explain(TestNets.linear(W, null, false), x, Target.of(2));
        assertEquals(b.map(), a.map());
        assertEquals("logits", a.scores().logitNode());
        assertEquals("", Head.of(TestNets.linear(W, null, false)).note());
    }
}
