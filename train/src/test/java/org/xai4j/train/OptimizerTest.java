package org.xai4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each optimizer on L = sum_i a_i (p_i - c_i)^2 / 2 (gradient a (p - c)) or on a linear loss
 * (constant gradient), against the closed form of its iterates, in double. Tolerances: the
 * iterates are sums of tens of double operations on values of order 1, so 1e-12 is some 1e3 ulps
 * while any error in a rule (a wrong coefficient, a missed bias correction) is of order 1e-3 or more.
 */
class OptimizerTest {
    private static final double[] A = {0.5, 1, 2};
    private static final double[] C = {1, -2, 0.5};
    private static final double[] P0 = {3, 1, -1};

    private static INDArray[] slots(Optimizer o) {
        INDArray[] s = new INDArray[o.slots()];
        for (int i = 0; i < s.length; i++) {
            s[i] = Nd4j.zeros(DataType.DOUBLE, 3);
        }
        return s;
    }

    private static INDArray quadraticGradient(INDArray p) {
        return p.sub(Nd4j.createFromArray(C)).muli(Nd4j.createFromArray(A));
    }

    @Test
    void sgdWithoutMomentumContractsByOneMinusLrA() {
        Optimizer sgd = new Sgd(0, 0);
        INDArray p = Nd4j.createFromArray(P0);
        INDArray[] s = slots(sgd);
        double lr = 0.1;
        for (int t = 1; t <= 20; t++) {
            sgd.step(p, quadraticGradient(p), s, lr, t, true);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(C[i] + Math.pow(1 - lr * A[i], 20) * (P0[i] - C[i]), p.getDouble(i), 1e-12);
        }
    }

    /**
     * Momentum: with e = p - c, v_t = mu v_{t-1} + a e_{t-1} and e_t = e_{t-1} - lr v_t, so
     * e_t = (1 + mu - lr a) e_{t-1} - mu e_{t-2}, e_0 = p0 - c, e_1 = (1 - lr a) e_0, and
     * e_t = alpha r1^t + beta r2^t with r1, r2 the roots of r^2 - (1 + mu - lr a) r + mu (real for these a).
     * Weight decay lambda is the same quadratic with a' = a + lambda and c' = a c / (a + lambda).
     */
    @Test
    void sgdWithMomentumAndWeightDecayFollowsTheSecondOrderRecurrence() {
        double lr = 0.1, mu = 0.2;
        for (double lambda : new double[] {0, 0.3}) {
            Optimizer sgd = new Sgd(mu, lambda);
            INDArray p = Nd4j.createFromArray(P0);
            INDArray[] s = slots(sgd);
            int T = 15;
            for (int t = 1; t <= T; t++) {
                sgd.step(p, quadraticGradient(p), s, lr, t, true);
            }
            for (int i = 0; i < 3; i++) {
                double a = A[i] + lambda, c = A[i] * C[i] / a;
                double trace = 1 + mu - lr * a;
                double root = Math.sqrt(trace * trace - 4 * mu);
                double r1 = (trace + root) / 2, r2 = (trace - root) / 2;
                double e0 = P0[i] - c, e1 = (1 - lr * a) * e0;
                double alpha = (e1 - r2 * e0) / (r1 - r2), beta = e0 - alpha;
                double expected = c + alpha * Math.pow(r1, T) + beta * Math.pow(r2, T);
                assertEquals(expected, p.getDouble(i), 1e-12, "lambda " + lambda + ", coordinate " + i);
            }
        }
    }

    @Test
    void weightDecayOnlyWhereAsked() {
        INDArray p = Nd4j.createFromArray(P0);
        new Sgd(0, 0.5).step(p, Nd4j.zeros(DataType.DOUBLE, 3), slots(new Sgd(0, 0)), 0.1, 1, false);
        assertEquals(Nd4j.createFromArray(P0), p);
    }

    /** Adam's first two steps on the quadratic, written out from Kingma and Ba's Algorithm 1. */
    @Test
    void adamFirstStepsOnTheQuadratic() {
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        Optimizer adam = new Adam(b1, b2, eps, 0);
        INDArray p = Nd4j.createFromArray(P0);
        INDArray[] s = slots(adam);
        adam.step(p, quadraticGradient(p), s, lr, 1, true);
        double[] p1 = new double[3];
        for (int i = 0; i < 3; i++) {
            double g = A[i] * (P0[i] - C[i]);
            // m_hat = g and v_hat = g^2 after one step: the update is lr g / (|g| + eps), about lr in size.
            p1[i] = P0[i] - lr * g / (Math.abs(g) + eps);
            assertEquals(p1[i], p.getDouble(i), 1e-12);
        }
        adam.step(p, quadraticGradient(p), s, lr, 2, true);
        for (int i = 0; i < 3; i++) {
            double g1 = A[i] * (P0[i] - C[i]), g2 = A[i] * (p1[i] - C[i]);
            double m = b1 * (1 - b1) * g1 + (1 - b1) * g2;
            double v = b2 * (1 - b2) * g1 * g1 + (1 - b2) * g2 * g2;
            double expected = p1[i] - lr * (m / (1 - b1 * b1)) / (Math.sqrt(v / (1 - b2 * b2)) + eps);
            assertEquals(expected, p.getDouble(i), 1e-12);
        }
    }

    /**
     * A constant gradient g: the bias corrections make m_hat = g and v_hat = g^2 exactly at every
     * step, so each step moves by s = lr g / (|g| + eps); decoupled decay q = 1 - lr lambda then gives
     * p_t = q^t p0 - s (1 - q^t) / (1 - q). An uncorrected Adam would start at a tenth of the step.
     */
    @Test
    void adamWithDecoupledDecayOnAConstantGradient() {
        double lr = 0.05, lambda = 0.2, eps = 1e-8;
        double[] g = {0.3, -2, 1e-3};
        Optimizer adam = new Adam(0.9, 0.999, eps, lambda);
        INDArray p = Nd4j.createFromArray(P0);
        INDArray[] s = slots(adam);
        int T = 25;
        for (int t = 1; t <= T; t++) {
            adam.step(p, Nd4j.createFromArray(g), s, lr, t, true);
        }
        double q = 1 - lr * lambda;
        for (int i = 0; i < 3; i++) {
            double step = lr * g[i] / (Math.abs(g[i]) + eps);
            assertEquals(Math.pow(q, T) * P0[i] - step * (1 - Math.pow(q, T)) / (1 - q), p.getDouble(i), 1e-12);
        }
    }

    /**
     * In float32, as training runs them: the loops against the rules written as ND4J array
     * operations (each rounding to float), on views and transposed gradients too. The loops
     * compute in double and round once, so they differ by float rounding alone: after 5 steps on
     * values of order 1, within 1e-5 of the largest value (float's unit is 6e-8); a wrong
     * coefficient moves values by 1e-3 or more.
     */
    @Test
    void floatLoopsMatchTheRulesAsArrayOperations() {
        Nd4j.getRandom().setSeed(3);
        for (Optimizer o : new Optimizer[] {new Sgd(0.9, 5e-4), Adam.of(1e-2)}) {
            INDArray p = Nd4j.rand(DataType.FLOAT, 4, 6).subi(0.5), expected = p.dup();
            INDArray[] s = new INDArray[o.slots()], r = new INDArray[o.slots()];
            for (int i = 0; i < s.length; i++) {
                s[i] = Nd4j.zeros(DataType.FLOAT, 4, 6);
                r[i] = Nd4j.zeros(DataType.FLOAT, 4, 6);
            }
            for (int t = 1; t <= 5; t++) {
                INDArray g = Nd4j.rand(DataType.FLOAT, 6, 4).subi(0.5).transpose(); // a view, f-ordered
                o.step(p, g, s, 0.05, t, true);
                arrayRule(o, expected, g, r, 0.05, t);
            }
            double worst = p.sub(expected).amaxNumber().doubleValue();
            assertTrue(worst < 1e-5 * expected.amaxNumber().doubleValue(), o.describe() + ": worst difference " + worst);
        }
    }

    /** The update rules as ND4J float operations, as the optimizers were written before their loops. */
    private static void arrayRule(Optimizer o, INDArray p, INDArray g, INDArray[] state, double lr, long t) {
        if (o instanceof Sgd sgd) {
            INDArray v = state[0];
            v.muli(sgd.momentum()).addi(g).addi(p.mul(sgd.weightDecay()));
            p.subi(v.mul(lr));
        } else if (o instanceof Adam adam) {
            INDArray m = state[0], v = state[1];
            p.muli(1 - lr * adam.weightDecay());
            m.muli(adam.beta1()).addi(g.mul(1 - adam.beta1()));
            v.muli(adam.beta2()).addi(g.mul(g).muli(1 - adam.beta2()));
            INDArray denominator = org.nd4j.linalg.ops.transforms.Transforms.sqrt(v, true)
                    .divi(Math.sqrt(1 - Math.pow(adam.beta2(), t))).addi(adam.eps());
            p.subi(m.div(denominator).muli(lr / (1 - Math.pow(adam.beta1(), t))));
        }
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Sgd(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.9, -1));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.9, 1, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.9, 0.999, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Schedule.constant(Double.NaN));
    }

    @Test
    void schedules() {
        Schedule cosine = Schedule.cosine(0.1, 10);
        assertEquals(0.01, cosine.rate(0, 110), 1e-15);
        assertEquals(0.1, cosine.rate(9, 110), 1e-15);
        assertEquals(0.1, cosine.rate(10, 110), 1e-15);
        assertEquals(0.05, cosine.rate(60, 110), 1e-15);
        assertEquals(0, cosine.rate(110, 110), 1e-15);
        // Held until 60% of 110 steps (step 66), then the cosine over the 44 that remain.
        Schedule held = Schedule.cosine(0.1, 10, 0.6);
        assertEquals(0.01, held.rate(0, 110), 1e-15);
        assertEquals(0.1, held.rate(65, 110), 1e-15);
        assertEquals(0.1, held.rate(66, 110), 1e-15);
        assertEquals(0.05, held.rate(88, 110), 1e-15);
        assertEquals(0, held.rate(110, 110), 1e-15);
        for (long t = 0; t <= 110; t++) {
            assertEquals(cosine.rate(t, 110), Schedule.cosine(0.1, 10, 0).rate(t, 110), 0, "hold 0 is the plain cosine");
        }
        assertThrows(IllegalArgumentException.class, () -> Schedule.cosine(0.1, 10, 1));
        Schedule step = Schedule.step(0.1, 30, 0.1);
        assertEquals(0.1, step.rate(29, 100), 1e-15);
        assertEquals(0.01, step.rate(30, 100), 1e-15);
    }
}
