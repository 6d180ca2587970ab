package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Hooks;
import org.xai4j.engine.Tape;

/**
 * Score-CAM, Ablation-CAM, LayerCAM, XGrad-CAM, HiResCAM and Eigen-CAM against their papers'
 * formulas written out as plain loops over values taken from the miniature ResNet
 * ({@link TestNets#cnn}, double precision): activations and gradients from a full backward pass,
 * scores from one ordinary forward pass per masked or ablated input, the first principal
 * component by power iteration. "Equal" is 1e-10 relative: the same double arithmetic in another
 * order (sums over up to 144 positions and 6 channels, differences of probabilities), far below
 * any difference of formula. Eigen-CAM allows 1e-9: power iteration converges geometrically to
 * that after 20000 steps on these 6 x 6 Gram matrices.
 */
class CamVariantsTest {
    private static final Graph CNN = TestNets.cnn(3, DataType.DOUBLE);
    private static final INDArray X = TestNets.input(51, DataType.DOUBLE, 2, 3, 12, 12);
    private static final double EQUAL = 1e-10;

    /** A at the layer and dScore/dA for classes {@code c} of each row, from an untruncated backward pass. */
    private static INDArray[] activationAndGradient(String layer, int... c) {
        try (Tape tape = CNN.forward(X)) {
            INDArray seed = Nd4j.zeros(DataType.DOUBLE, 2, 5);
            seed.putScalar(0, c[0], 1.0);
            seed.putScalar(1, c[1], 1.0);
            INDArray A = tape.value(layer).dup();
            INDArray g = tape.backward("logits", seed, List.of(layer, "input")).get(layer);
            return new INDArray[] {A, g};
        }
    }

    @Test
    void gradientVariantsAtAnInnerLayerAreTheirPapersFormulas() {
        INDArray[] ag = activationAndGradient("block", 2, 4);
        double[][][][] a = array(ag[0]);
        double[][][][] g = array(ag[1]);
        double[][][] hires = new double[2][6][6];
        double[][][] layer = new double[2][6][6];
        double[][][] xgrad = new double[2][6][6];
        for (int n = 0; n < 2; n++) {
            for (int k = 0; k < 4; k++) {
                double sumA = 0;
                double sumAg = 0;
                for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) {
                    sumA += a[n][k][i][j];
                    sumAg += a[n][k][i][j] * g[n][k][i][j];
                }
                double alpha = sumA == 0 ? 0 : sumAg / sumA;   // XGrad-CAM eq. 11
                for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) {
                    hires[n][i][j] += g[n][k][i][j] * a[n][k][i][j];
                    layer[n][i][j] += Math.max(g[n][k][i][j], 0) * a[n][k][i][j];
                    xgrad[n][i][j] += alpha * a[n][k][i][j];
                }
            }
        }
        Target t = Target.perRow(2, 4);
        CamResult hiResCam = new HiResCam("block").explain(CNN, X, t);
        Close.assertClose("HiResCAM", relu(hires), hiResCam.raw(), EQUAL, 0);
        Close.assertClose("LayerCAM", relu(layer), new LayerCam("block").explain(CNN, X, t).raw(), EQUAL, 0);
        Close.assertClose("XGrad-CAM", relu(xgrad), new XGradCam("block").explain(CNN, X, t).raw(), EQUAL, 0);
        assertNull(hiResCam.weights(), "HiResCAM weights positions, not channels");
        assertNotEquals(GradCam.of("block").explain(CNN, X, t).raw(), hiResCam.raw(), "at an inner layer the gradient varies");
    }

    /** Before GAP + linear the gradient is constant over positions: HiResCAM is Grad-CAM, LayerCAM positive Grad-CAM. */
    @Test
    void atTheLayerBeforePoolingHiResCamIsGradCamAndLayerCamIsPositiveGradCam() {
        Close.assertClose("HiResCAM", GradCam.of("features").explain(CNN, X).raw(), new HiResCam("features").explain(CNN, X).raw(), EQUAL, 0);
        Close.assertClose("LayerCAM", GradCam.positiveGradients("features").explain(CNN, X).raw(),
                new LayerCam("features").explain(CNN, X).raw(), EQUAL, 0);
    }

    @Test
    void eigenCamIsTheProjectionOnTheFirstPrincipalComponentWhateverTheClass() {
        for (String layer : List.of("features", "block")) {
            INDArray A = CNN.run(Map.of("input", X), List.of(layer)).get(layer);
            double[][][][] a = array(A);
            int K = a[0].length;
            int h = a[0][0].length;
            double[][][] expected = new double[2][h][h];
            for (int n = 0; n < 2; n++) {
                // O: a row per position, a column per channel (eq. 3); v_1 by power iteration on O^T O.
                double[] v = new double[K];
                java.util.Arrays.fill(v, 1 / Math.sqrt(K));
                for (int it = 0; it < 20000; it++) {
                    double[] next = new double[K];
                    for (int c = 0; c < K; c++) for (int d = 0; d < K; d++) for (int i = 0; i < h; i++) for (int j = 0; j < h; j++) {
                        next[c] += a[n][c][i][j] * a[n][d][i][j] * v[d];
                    }
                    double norm = Math.sqrt(java.util.Arrays.stream(next).map(e -> e * e).sum());
                    for (int c = 0; c < K; c++) {
                        v[c] = next[c] / norm;
                    }
                }
                double sum = 0;
                for (int i = 0; i < h; i++) for (int j = 0; j < h; j++) {
                    for (int c = 0; c < K; c++) {
                        expected[n][i][j] += a[n][c][i][j] * v[c];    // O v_1 (eq. 4)
                    }
                    sum += expected[n][i][j];
                }
                for (int i = 0; i < h; i++) for (int j = 0; j < h; j++) {
                    expected[n][i][j] *= Math.signum(sum);            // the stated sign: sum(raw) > 0
                }
            }
            CamResult e = new EigenCam(layer).explain(CNN, X, Target.of(0));
            Close.assertClose("Eigen-CAM at " + layer, Nd4j.create(expected), e.raw(), 1e-9, 0);
            Close.assertClose("Eigen-CAM ignores the class", e.raw(), new EigenCam(layer).explain(CNN, X, Target.of(3)).raw(), 0, 0);
            assertEquals(3, new EigenCam(layer).explain(CNN, X, Target.of(3)).scores().classOf(0));
        }
    }

    @Test
    void jacobiFindsTheTopEigenvectorOfAKnownMatrix() {
        // Q diag(1, 5, 3) Q^T with Q a rotation in the first two axes: the top eigenvector is Q's second column.
        double c = Math.cos(0.3);
        double s = Math.sin(0.3);
        double[][] G = {{c * c * 1 + s * s * 5, c * s * (1 - 5), 0}, {c * s * (1 - 5), s * s * 1 + c * c * 5, 0}, {0, 0, 3}};
        double[] e = EigenCam.topEigenvector(G);
        double sign = Math.signum(e[1]);
        assertEquals(-s, sign * e[0], 1e-14);
        assertEquals(c, sign * e[1], 1e-14);
        assertEquals(0, e[2], 1e-14);
    }

    @Test
    void scoreCamIsItsPapersFormula() {
        for (String layer : List.of("features", "block")) {
            INDArray A = CNN.run(Map.of("input", X), List.of(layer)).get(layer);
            double[][][][] a = array(A);
            double[][][][] x = array(X);
            int K = a[0].length;
            int h = a[0][0].length;
            int[] classes = {1, 3};
            double[][][] expected = new double[2][h][h];
            for (int n = 0; n < 2; n++) {
                double atBaseline = softmax(CNN.predict(Nd4j.zeros(DataType.DOUBLE, 1, 3, 12, 12)))[classes[n]];
                for (int k = 0; k < K; k++) {
                    double[][] up = bilinear(a[n][k], 12);                        // Up(A_k)
                    double lo = java.util.Arrays.stream(up).flatMapToDouble(java.util.Arrays::stream).min().orElseThrow();
                    double hi = java.util.Arrays.stream(up).flatMapToDouble(java.util.Arrays::stream).max().orElseThrow();
                    double[][][][] masked = new double[1][3][12][12];
                    for (int ch = 0; ch < 3; ch++) for (int i = 0; i < 12; i++) for (int j = 0; j < 12; j++) {
                        double H = hi > lo ? (up[i][j] - lo) / (hi - lo) : 0;   // s(Up(A_k)), eq. 5
                        masked[0][ch][i][j] = x[n][ch][i][j] * H;              // X (.) H_k
                    }
                    double alpha = softmax(CNN.predict(Nd4j.create(masked)))[classes[n]] - atBaseline;   // CIC, eq. 4
                    for (int i = 0; i < h; i++) for (int j = 0; j < h; j++) {
                        expected[n][i][j] += alpha * a[n][k][i][j];
                    }
                }
            }
            Close.assertClose("Score-CAM at " + layer, relu(expected), new ScoreCam(layer, 4).explain(CNN, X, Target.perRow(classes)).raw(),
                    EQUAL, 0);
        }
    }

    /**
     * Ablation-CAM by zeroing channel k with a forward hook on the whole graph, one pass per k: the
     * explainer instead runs only the part after the layer, cut out as a graph of its own. At
     * relu2 that part also reads the block's skip connection from before the layer.
     */
    @Test
    void ablationCamIsItsPapersFormulaAtLayersWithAndWithoutASkipConnection() {
        assertEquals(List.of("relu2", "pool"), AblationCam.after(CNN, "relu2", "logits").inputs().stream().map(Graph.Input::name).toList());
        for (String layer : List.of("features", "relu2")) {
            INDArray A = CNN.run(Map.of("input", X), List.of(layer)).get(layer);
            double[][][][] a = array(A);
            int K = a[0].length;
            int h = a[0][0].length;
            int[] classes = {0, 2};
            double[][][] expected = new double[2][h][h];
            INDArray logits = CNN.predict(X);
            for (int n = 0; n < 2; n++) {
                double y = logits.getDouble(n, classes[n]);
                INDArray xn = X.get(NDArrayIndex.interval(n, n + 1)).dup();
                for (int k = 0; k < K; k++) {
                    int channel = k;
                    Hooks ablate = Hooks.NONE.forward(CNN.named(layer), (node, out) -> {
                        INDArray z = out.dup();
                        z.get(NDArrayIndex.all(), NDArrayIndex.point(channel)).assign(0);
                        return z;
                    });
                    double yk = CNN.run(Map.of("input", xn), List.of("logits"), ablate).get("logits").getDouble(0, classes[n]);
                    double w = (y - yk) / y;                                       // eq. 3
                    for (int i = 0; i < h; i++) for (int j = 0; j < h; j++) {
                        expected[n][i][j] += w * a[n][k][i][j];
                    }
                }
            }
            Close.assertClose("Ablation-CAM at " + layer, relu(expected),
                    new AblationCam(layer, 3).explain(CNN, X, Target.perRow(classes)).raw(), EQUAL, 0);
        }
    }

    @Test
    void batchSizeDoesNotChangeScoreCamOrAblationCam() {
        Close.assertClose("Score-CAM", new ScoreCam("block", 1).explain(CNN, X).raw(), new ScoreCam("block", 8).explain(CNN, X).raw(), EQUAL, 0);
        Close.assertClose("Ablation-CAM", new AblationCam("features", 1).explain(CNN, X).raw(),
                new AblationCam("features", 8).explain(CNN, X).raw(), EQUAL, 0);
    }

    @Test
    void theVariantsRefuseWhatGradCamRefuses() {
        for (Explainer<?> e : List.of(new ScoreCam("input", 2), new AblationCam("logits", 2), new LayerCam("gap"), new XGradCam("input"),
                new HiResCam("flat"), new EigenCam("logits"))) {
            assertThrows(IllegalArgumentException.class, () -> e.explain(CNN, X), e.getClass().getSimpleName());
        }
        assertThrows(IllegalArgumentException.class, () -> new ScoreCam(null, 0));
    }

    /** PyTorch's bilinear upsampling with half-pixel centres, written out: src = (i + 1/2) h / H - 1/2, clamped at 0. */
    private static double[][] bilinear(double[][] m, int size) {
        int h = m.length;
        double[][] out = new double[size][size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                double sy = Math.max(0, (i + 0.5) * h / size - 0.5);
                double sx = Math.max(0, (j + 0.5) * h / size - 0.5);
                int y0 = (int) sy;
                int x0 = (int) sx;
                int y1 = Math.min(y0 + 1, h - 1);
                int x1 = Math.min(x0 + 1, h - 1);
                double fy = sy - y0;
                double fx = sx - x0;
                out[i][j] = (1 - fy) * ((1 - fx) * m[y0][x0] + fx * m[y0][x1]) + fy * ((1 - fx) * m[y1][x0] + fx * m[y1][x1]);
            }
        }
        return out;
    }

    private static double[] softmax(INDArray logits) {
        return Target.softmax(logits.reshape(logits.length()).toDoubleVector());
    }

    static double[][][][] array(INDArray x) {
        long[] s = x.shape();
        double[][][][] a = new double[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        for (int n = 0; n < s[0]; n++) for (int c = 0; c < s[1]; c++) for (int i = 0; i < s[2]; i++) for (int j = 0; j < s[3]; j++) {
            a[n][c][i][j] = x.getDouble(n, c, i, j);
        }
        return a;
    }

    private static INDArray relu(double[][][] v) {
        INDArray a = Nd4j.create(v);
        return org.nd4j.linalg.ops.transforms.Transforms.relu(a, false);
    }
}
