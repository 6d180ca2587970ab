package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * Integrated gradients to a requested completeness gap: the nested rules, the stopping test and
 * the cap. Maps equal to 1e-12 relative: the refined sums and the fixed rule add the same
 * weighted gradients in another order.
 */
class AdaptiveIntegratedGradientsTest {
    private static final Graph SMOOTH = TestNets.smooth(7, 8, 16, 4);
    private static final Graph MLP = TestNets.mlp(5, 8, 16, 4);
    private static final INDArray X = TestNets.input(22, DataType.DOUBLE, 1, 8);

    /** Each refinement's old points plus its new ones are exactly the finer rule's points, with its weights. */
    @Test
    void refinementsAreTheFinerRules() {
        for (Quadrature q : new Quadrature[] {Quadrature.RIGHT_RIEMANN, Quadrature.LEFT_RIEMANN, Quadrature.TRAPEZOID, Quadrature.MIDPOINT_RIEMANN}) {
            for (int steps : new int[] {4, 5, 9, 27}) {
                if (q != Quadrature.TRAPEZOID && steps % 2 == 1 && q != Quadrature.MIDPOINT_RIEMANN) {
                    continue;
                }
                Quadrature.Points coarse = q.points(steps);
                Quadrature.Refinement r = q.refine(steps);
                int n = steps + r.added().alphas().length;
                Quadrature.Points fine = q.points(n);
                double[][] merged = new double[n][];
                for (int i = 0; i < steps; i++) {
                    merged[i] = new double[] {coarse.alphas()[i], coarse.weights()[i] * r.keep()};
                }
                for (int i = 0; i < r.added().alphas().length; i++) {
                    merged[steps + i] = new double[] {r.added().alphas()[i], r.added().weights()[i]};
                }
                Arrays.sort(merged, (a, b) -> Double.compare(a[0], b[0]));
                for (int i = 0; i < n; i++) {
                    assertEquals(fine.alphas()[i], merged[i][0], 1e-15, q + " " + steps + " point " + i);
                    assertEquals(fine.weights()[i], merged[i][1], 1e-15, q + " " + steps + " weight " + i);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Quadrature.GAUSS_LEGENDRE.refine(4));
    }

    /** Under a gap no rule reaches before the cap, the points used are those of the fixed rule at the cap. */
    @Test
    void atTheCapTheResultIsTheFixedRuleAtThatManySteps() {
        IntegratedGradients.Result refined = new IntegratedGradients(Baseline.zero(), 16, Quadrature.RIGHT_RIEMANN, 3, 1e-15, Progress.NONE)
                .explain(MLP, X, Target.of(1));
        IntegratedGradients.Result fixed = new IntegratedGradients(Baseline.zero(), 16, Quadrature.RIGHT_RIEMANN, 3).explain(MLP, X, Target.of(1));
        assertArrayEquals(new int[] {16}, refined.steps());
        Close.assertClose("map at the cap", fixed.map(), refined.map(), 1e-12, 0);
        assertFalse(refined.reached(0, 1e-15));
    }

    /** The refinement stops at the first rule whose gap is under the request, and never before. */
    @Test
    void itStopsAtTheFirstRuleUnderTheGap() {
        double gap = 1e-4;
        IntegratedGradients.Result r = new IntegratedGradients(Baseline.zero(), 4096, Quadrature.MIDPOINT_RIEMANN, 8, gap, Progress.NONE)
                .explain(SMOOTH, X, Target.of(2));
        int used = r.steps()[0];
        assertTrue(r.reached(0, gap), "reached");
        assertTrue(used > IntegratedGradients.FIRST_STEPS && used < 4096, "steps " + used);
        IntegratedGradients.Result coarser = new IntegratedGradients(Baseline.zero(), used / 3, Quadrature.MIDPOINT_RIEMANN, 8)
                .explain(SMOOTH, X, Target.of(2));
        assertFalse(coarser.reached(0, gap), "the rule before (" + used / 3 + " steps) was not enough");
        assertThrows(IllegalArgumentException.class, () -> new IntegratedGradients(Baseline.zero(), 64, Quadrature.GAUSS_LEGENDRE, 8, 0.01,
                Progress.NONE));
    }
}
