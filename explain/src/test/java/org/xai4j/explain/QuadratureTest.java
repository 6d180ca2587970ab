package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class QuadratureTest {

    @Test
    void riemannRulesPlaceTheirNodesAsDefined() {
        assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1}, Quadrature.RIGHT_RIEMANN.points(4).alphas(), 0);
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75}, Quadrature.LEFT_RIEMANN.points(4).alphas(), 0);
        assertArrayEquals(new double[] {0.125, 0.375, 0.625, 0.875}, Quadrature.MIDPOINT_RIEMANN.points(4).alphas(), 0);
        Quadrature.Points trapezoid = Quadrature.TRAPEZOID.points(3);
        assertArrayEquals(new double[] {0, 0.5, 1}, trapezoid.alphas(), 0);
        assertArrayEquals(new double[] {0.25, 0.5, 0.25}, trapezoid.weights(), 0);
    }

    /** Weights sum to 1 to double rounding (a few ulps per term). */
    @Test
    void weightsSumToOne() {
        for (Quadrature q : Quadrature.values()) {
            for (int n : new int[] {2, 7, 50, 300}) {
                assertEquals(1, Arrays.stream(q.points(n).weights()).sum(), 1e-13, q + " " + n);
            }
        }
    }

    /** n Gauss-Legendre nodes integrate polynomials of degree 2n-1 exactly (to rounding). */
    @Test
    void gaussLegendreIsExactForDegreeTwoNMinusOne() {
        assertArrayEquals(new double[] {0.5 - 0.5 / Math.sqrt(3), 0.5 + 0.5 / Math.sqrt(3)},
                Quadrature.GAUSS_LEGENDRE.points(2).alphas(), 1e-15);
        for (int n = 1; n <= 20; n++) {
            Quadrature.Points p = Quadrature.GAUSS_LEGENDRE.points(n);
            int degree = 2 * n - 1;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += p.weights()[i] * Math.pow(p.alphas()[i], degree);
            }
            assertEquals(1.0 / (degree + 1), sum, 1e-14, "n = " + n);
            if (n > 6) {
                continue; // beyond, the error at degree 2n falls below rounding
            }
            // One degree more is not exact: the rule really has n nodes.
            double beyond = 0;
            for (int i = 0; i < n; i++) {
                beyond += p.weights()[i] * Math.pow(p.alphas()[i], degree + 1);
            }
            assertEquals(true, Math.abs(beyond - 1.0 / (degree + 2)) > 1e-12, "n = " + n);
        }
    }

    @Test
    void tooFewStepsAreOneLineErrors() {
        assertEquals("steps must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> Quadrature.RIGHT_RIEMANN.points(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Quadrature.TRAPEZOID.points(1));
        assertThrows(IllegalArgumentException.class, () -> IntegratedGradients.of(0));
    }
}
