package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.layers.Linear;

/**
 * Guided backpropagation and deconvnet against a slow reference written from the definitions,
 * on an MLP with a ReLU and a ReLU6 layer: x -> fc1 -> ReLU -> fc2 -> ReLU6 -> logits.
 */
class RectifierRulesTest {
    private static final Graph MLP = TestNets.mlp(5, 8, 16, 4);
    private static final INDArray X = TestNets.input(31, DataType.DOUBLE, 1, 8);
    private static final int C = 1;

    private enum Rule { GUIDED, GUIDED_RELU_ONLY, DECONVNET, PLAIN }

    /** dScore/dx for logit C, each rectifier's backward chosen by {@code rule}, in plain loops. */
    private static double[] reference(Rule rule, double[] x) {
        double[][] W1 = weight("fc1");
        double[][] W2 = weight("fc2");
        double[][] W3 = weight("logits");
        double[] h1 = affine(W1, bias("fc1"), x);
        double[] a1 = new double[h1.length];
        for (int i = 0; i < h1.length; i++) {
            a1[i] = Math.max(h1[i], 0);
        }
        double[] h2 = affine(W2, bias("fc2"), a1);
        double[] d = W3[C].clone();
        for (int i = 0; i < d.length; i++) {
            boolean inside = h2[i] > 0 && h2[i] < 6;
            d[i] = switch (rule) {
                case GUIDED -> inside ? Math.max(d[i], 0) : 0;
                case DECONVNET -> Math.max(d[i], 0);
                case GUIDED_RELU_ONLY, PLAIN -> inside ? d[i] : 0;
            };
        }
        double[] d1 = transposed(W2, d);
        for (int i = 0; i < d1.length; i++) {
            d1[i] = switch (rule) {
                case GUIDED, GUIDED_RELU_ONLY -> h1[i] > 0 ? Math.max(d1[i], 0) : 0;
                case DECONVNET -> Math.max(d1[i], 0);
                case PLAIN -> h1[i] > 0 ? d1[i] : 0;
            };
        }
        return transposed(W1, d1);
    }

    /** The input saturates some ReLU6 units and leaves others inside (0, 6), so both cases are exercised. */
    @Test
    void theInputExercisesEveryBranchOfTheRules() {
        double[] h2 = affine(weight("fc2"), bias("fc2"),
                java.util.Arrays.stream(affine(weight("fc1"), bias("fc1"), X.toDoubleVector())).map(v -> Math.max(v, 0)).toArray());
        assertTrue(java.util.Arrays.stream(h2).anyMatch(v -> v >= 6), "no ReLU6 unit saturates");
        assertTrue(java.util.Arrays.stream(h2).anyMatch(v -> v > 0 && v < 6), "no ReLU6 unit is inside (0, 6)");
        assertTrue(java.util.Arrays.stream(h2).anyMatch(v -> v <= 0), "no ReLU6 unit is off");
    }

    /** Each reference is a few dozen double operations: 1e-12 relative covers summation order. */
    @Test
    void guidedBackpropMatchesTheDefinition() {
        for (Rule rule : Rule.values()) {
            assertTrue(java.util.Arrays.stream(reference(rule, X.toDoubleVector())).anyMatch(v -> v != 0), rule + " is all zero here");
        }
        Close.assertClose("guided", vector(reference(Rule.GUIDED, X.toDoubleVector())),
                new GuidedBackprop().explain(MLP, X, Target.of(C)).map(), 1e-12, 0);
        Close.assertClose("guided, ReLU only", vector(reference(Rule.GUIDED_RELU_ONLY, X.toDoubleVector())),
                new GuidedBackprop(BackwardRules.Activations.RELU_ONLY).explain(MLP, X, Target.of(C)).map(), 1e-12, 0);
        Close.assertClose("plain gradient", vector(reference(Rule.PLAIN, X.toDoubleVector())),
                new Saliency().explain(MLP, X, Target.of(C)).map(), 1e-12, 0);
        assertNotEquals(new Saliency().explain(MLP, X, Target.of(C)).map(), new GuidedBackprop().explain(MLP, X, Target.of(C)).map());
    }

    @Test
    void deconvnetMatchesTheDefinitionAndIgnoresTheForwardInput() {
        INDArray a = new Deconvnet().explain(MLP, X, Target.of(C)).map();
        Close.assertClose("deconvnet", vector(reference(Rule.DECONVNET, X.toDoubleVector())), a, 1e-12, 0);
        // Without pooling, nothing in the deconvnet's backward depends on x.
        INDArray other = TestNets.input(32, DataType.DOUBLE, 1, 8);
        assertEquals(a, new Deconvnet().explain(MLP, other, Target.of(C)).map());
        assertNotEquals(new GuidedBackprop().explain(MLP, X, Target.of(C)).map(),
                new GuidedBackprop().explain(MLP, other, Target.of(C)).map());
    }

    @Test
    void rulesBelongToTheirCallEvenWhenItFails() {
        INDArray plain = new Saliency().explain(MLP, X, Target.of(C)).map();
        new GuidedBackprop().explain(MLP, X, Target.of(C));
        new Deconvnet().explain(MLP, X, Target.of(C));
        INDArray wrongShape = Nd4j.zeros(DataType.DOUBLE, 1, 5);
        assertThrows(RuntimeException.class, () -> new GuidedBackprop().explain(MLP, wrongShape, Target.of(C)));
        assertThrows(IllegalArgumentException.class, () -> new Deconvnet().explain(MLP, X, Target.of(9)));
        assertEquals(plain, new Saliency().explain(MLP, X, Target.of(C)).map(), "the plain gradient is what it was");
        // And the model is untouched: the plain gradient is what it was.
        Close.assertClose("plain gradient after hooks", vector(reference(Rule.PLAIN, X.toDoubleVector())),
                new Saliency().explain(MLP, X, Target.of(C)).map(), 1e-12, 0);
    }

    private static double[][] weight(String node) {
        return ((Linear) MLP.node(node).layer()).weight().toDoubleMatrix();
    }

    private static double[] bias(String node) {
        return ((Linear) MLP.node(node).layer()).bias().toDoubleVector();
    }

    private static double[] affine(double[][] W, double[] b, double[] x) {
        double[] y = b.clone();
        for (int k = 0; k < W.length; k++) {
            for (int c = 0; c < x.length; c++) {
                y[k] += W[k][c] * x[c];
            }
        }
        return y;
    }

    private static double[] transposed(double[][] W, double[] d) {
        double[] y = new double[W[0].length];
        for (int k = 0; k < W.length; k++) {
            for (int c = 0; c < y.length; c++) {
                y[c] += W[k][c] * d[k];
            }
        }
        return y;
    }

    private static INDArray vector(double[] v) {
        return Nd4j.create(v, new long[] {1, v.length}, DataType.DOUBLE);
    }
}
