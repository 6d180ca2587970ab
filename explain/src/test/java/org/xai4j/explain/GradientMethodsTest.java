package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;

/**
 * Saliency, gradient x input, integrated gradients and SmoothGrad on closed-form models and
 * their invariants. Networks are in double, so "equal" means equal to double rounding.
 */
class GradientMethodsTest {
    private static final INDArray W = TestNets.uniform(11, 1.0, 4, 6);
    private static final INDArray B = TestNets.uniform(12, 1.0, 4);
    private static final Graph LINEAR = TestNets.linear(W, B, false);
    private static final Graph MLP = TestNets.mlp(5, 8, 16, 4);
    private static final INDArray X6 = TestNets.input(21, DataType.DOUBLE, 2, 6);
    private static final INDArray X8 = TestNets.input(22, DataType.DOUBLE, 1, 8);

    @Test
    void saliencyOfALinearModelIsTheWeightRowOfTheClass() {
        Attribution a = new Saliency().explain(LINEAR, X6, Target.perRow(1, 3));
        assertEquals(W.getRow(1), a.map().getRow(0));
        assertEquals(W.getRow(3), a.map().getRow(1));
        Attribution gi = new GradientTimesInput().explain(LINEAR, X6, Target.of(2));
        assertEquals(X6.mulRowVector(W.getRow(2)), gi.map());
    }

    @Test
    void smoothGradWithOneNoiselessSampleIsTheGradient() {
        Attribution plain = new Saliency().explain(MLP, X8);
        Attribution smooth = new SmoothGrad(new Saliency(), 1, 0.0, 7, 8).explain(MLP, X8);
        assertEquals(plain.map(), smooth.map());
        assertArrayEquals(plain.scores().classes(), smooth.scores().classes());
        assertEquals(new GradientTimesInput().explain(MLP, X8).map(),
                new SmoothGrad(new GradientTimesInput(), 1, 0.0, 7, 8).explain(MLP, X8).map());
    }

    /** The gradient of a linear model is the same everywhere, so any noise averages to it. */
    @Test
    void smoothGradOfALinearModelIsItsGradientWhateverTheNoise() {
        Attribution smooth = SmoothGrad.of(new Saliency(), 5, 0.3).explain(LINEAR, X6, Target.of(0));
        Close.assertClose("smoothgrad", Nd4j.vstack(W.getRow(0), W.getRow(0)), smooth.map(), 1e-15, 0);
    }

    /** Batching changes only the summation order: 1e-14 relative covers it. */
    @Test
    void smoothGradDependsOnTheSeedNotOnTheBatchSize() {
        INDArray one = new SmoothGrad(new Saliency(), 5, 0.2, 3, 5).explain(MLP, X8).map();
        INDArray split = new SmoothGrad(new Saliency(), 5, 0.2, 3, 2).explain(MLP, X8).map();
        Close.assertClose("batch 5 vs batches of 2", one, split, 1e-14, 0);
        INDArray other = new SmoothGrad(new Saliency(), 5, 0.2, 4, 5).explain(MLP, X8).map();
        assertNotEquals(one, other);
        assertNotEquals(new Saliency().explain(MLP, X8).map(), one);
    }

    /** Every rule's weights sum to 1 and the gradient is constant, so IG = W_c * (x - b) to rounding. */
    @Test
    void integratedGradientsOfALinearModelAreWeightTimesDistanceToTheBaseline() {
        INDArray baseline = TestNets.input(23, DataType.DOUBLE, 1, 6);
        for (Quadrature rule : Quadrature.values()) {
            IntegratedGradients ig = new IntegratedGradients(Baseline.of(baseline), 32, rule, 8);
            IntegratedGradients.Result r = ig.explain(LINEAR, X6, Target.of(2));
            INDArray expected = X6.subRowVector(baseline).mulRowVector(W.getRow(2));
            Close.assertClose(rule.name(), expected, r.map(), 1e-14, 0);
            for (double gap : r.completenessGap()) {
                assertEquals(0, gap, 1e-13, rule.name());
            }
        }
    }

    @Test
    void oneRightRiemannStepIsGradientTimesDistance() {
        INDArray baseline = TestNets.input(24, DataType.DOUBLE, 1, 8);
        IntegratedGradients.Result r = new IntegratedGradients(Baseline.of(baseline), 1, Quadrature.RIGHT_RIEMANN, 8)
                .explain(MLP, X8);
        INDArray expected = new Saliency().explain(MLP, X8).map().mul(X8.sub(baseline));
        // The path point b + 1*(x - b) differs from x by an ulp; the MLP is piecewise linear, so
        // its gradient there is the same unless a unit sits within an ulp of a kink.
        Close.assertClose("IG with 1 step", expected, r.map(), 1e-14, 0);
    }

    /**
     * On a smooth model the gap falls with the number of steps for every rule, and Gauss-Legendre,
     * exact for polynomials of degree 2n-1, beats every Riemann rule at the same cost (measured:
     * 1.6e-4 against >= 2.7e-4 at 8 steps, 7.7e-9 against >= 6.7e-5 at 16). Once a gap is at
     * double rounding (1e-13) it cannot fall further.
     */
    @Test
    void completenessGapShrinksWithStepsAndGaussLegendreIsMostAccurate() {
        Graph smooth = TestNets.smooth(9, 6, 12, 3);
        INDArray x = TestNets.input(25, DataType.DOUBLE, 1, 6);
        int[] steps = {8, 16, 32, 128};
        double[][] gaps = new double[Quadrature.values().length][steps.length];
        for (Quadrature rule : Quadrature.values()) {
            for (int i = 0; i < steps.length; i++) {
                gaps[rule.ordinal()][i] = Math.abs(new IntegratedGradients(Baseline.zero(), steps[i], rule, 8)
                        .explain(smooth, x, Target.of(1)).completenessGap()[0]);
                if (i > 0) {
                    double before = gaps[rule.ordinal()][i - 1];
                    double now = gaps[rule.ordinal()][i];
                    assertTrue(now < before || now < 1e-13, rule + ": gap " + now + " at " + steps[i] + " steps, " + before + " before");
                }
            }
        }
        double[] gl = gaps[Quadrature.GAUSS_LEGENDRE.ordinal()];
        for (Quadrature rule : Quadrature.values()) {
            if (rule != Quadrature.GAUSS_LEGENDRE) {
                assertTrue(gl[0] < gaps[rule.ordinal()][0], "8 steps: Gauss-Legendre " + gl[0] + " vs " + rule + " " + gaps[rule.ordinal()][0]);
                assertTrue(gl[1] < gaps[rule.ordinal()][1] / 100, "16 steps: Gauss-Legendre " + gl[1] + " vs " + rule + " " + gaps[rule.ordinal()][1]);
            }
        }
    }

    /** Batch size and batching of rows change summation order only (1e-14). */
    @Test
    void integratedGradientsAreIndependentOfBatchingAndRows() {
        INDArray x = TestNets.input(26, DataType.DOUBLE, 2, 8);
        int[] classes = {3, 0};
        IntegratedGradients together = new IntegratedGradients(Baseline.zero(), 10, Quadrature.TRAPEZOID, 8);
        IntegratedGradients.Result both = together.explain(MLP, x, Target.perRow(classes));
        IntegratedGradients.Result small = new IntegratedGradients(Baseline.zero(), 10, Quadrature.TRAPEZOID, 3)
                .explain(MLP, x, Target.perRow(classes));
        Close.assertClose("batch 8 vs 3", both.map(), small.map(), 1e-14, 0);
        for (int row = 0; row < 2; row++) {
            INDArray xr = x.getRow(row).reshape(1, 8).dup();
            IntegratedGradients.Result alone = together.explain(MLP, xr, Target.of(classes[row]));
            Close.assertClose("row " + row, alone.map(), both.map().getRow(row).reshape(1, 8), 1e-14, 0);
            assertEquals(alone.completenessGap()[0], both.completenessGap()[row], 1e-14);
            assertEquals(classes[row], both.scores().classOf(row));
        }
        IntegratedGradients.Result predicted = together.explain(MLP, x);
        for (int row = 0; row < 2; row++) {
            int c = Target.argmax(MLP.predict(x).getRow(row).toDoubleVector());
            assertEquals(c, predicted.scores().classOf(row));
        }
        assertThrows(IllegalArgumentException.class, () -> together.explain(MLP, x, Target.perRow(1, 2, 3)));
    }

    /** ONNX exports without a dynamic batch axis fix N = 1: batched methods then pass one row at a time. */
    @Test
    void aModelWithItsBatchFixedAtOneIsExplainedRowByRow() {
        Graph fixed = new Graph(List.of(Graph.Input.of("input", 1, 8)), MLP.nodes(), MLP.outputs());
        IntegratedGradients ig = new IntegratedGradients(Baseline.uniform(3), 7, Quadrature.GAUSS_LEGENDRE, 8);
        IntegratedGradients.Result a = ig.explain(fixed, X8);
        IntegratedGradients.Result b = ig.explain(MLP, X8);
        Close.assertClose("IG", b.map(), a.map(), 1e-14, 0);
        assertEquals(b.completenessGap()[0], a.completenessGap()[0], 1e-14);
        SmoothGrad sg = new SmoothGrad(new GradientTimesInput(), 5, 0.2, 1, 8);
        Close.assertClose("SmoothGrad", sg.explain(MLP, X8).map(), sg.explain(fixed, X8).map(), 1e-14, 0);
    }

    @Test
    void baselinesHaveTheInputShapeAndTheirDefinedValues() {
        INDArray x = TestNets.input(27, DataType.DOUBLE, 1, 3, 4, 5);
        assertEquals(0, Baseline.black().forInput(x).sumNumber().doubleValue(), 0);
        INDArray white = Baseline.white().forInput(x);
        for (int c = 0; c < 3; c++) {
            assertEquals(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(c)).maxNumber().doubleValue(),
                    white.getDouble(0, c, 3, 4), 0);
        }
        INDArray u = Baseline.uniform(5).forInput(x);
        assertArrayEquals(x.shape(), u.shape());
        assertTrue(u.minNumber().doubleValue() >= x.minNumber().doubleValue() && u.maxNumber().doubleValue() <= x.maxNumber().doubleValue());
        assertEquals(u, Baseline.uniform(5).forInput(x));
        // A blur keeps each channel's mean only approximately (edges repeat), but not its variance.
        INDArray blurred = Baseline.blurred(1.5).forInput(x);
        assertTrue(blurred.std(true).getDouble(0) < x.std(true).getDouble(0));
        assertThrows(IllegalArgumentException.class, () -> Baseline.of(Nd4j.zeros(1, 5)).forInput(X8));
    }

    @Test
    void settingsOutOfRangeAreOneLineErrors() {
        assertEquals("samples must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> SmoothGrad.of(new Saliency(), 0, 0.1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SmoothGrad.of(new Saliency(), 3, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new SmoothGradCamPlusPlus("x", 0, 0.1, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> new IntegratedGradients(Baseline.zero(), 8, Quadrature.LEFT_RIEMANN, 0));
    }
}
