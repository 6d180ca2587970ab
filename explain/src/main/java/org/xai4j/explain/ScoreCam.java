package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;

/**
 * Score-CAM (Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural
 * Networks", CVPR workshops 2020): each feature map, upsampled and scaled to [0, 1], masks the
 * input, and the class probability of the masked input is that map's weight. No gradient.
 * <pre>
 *   H_k     = s(Up(A_k)),  s(M) = (M - min M) / (max M - min M)    (eq. 5; a constant map gives 0)
 *   alpha_k = f_c(X (.) H_k) - f_c(X_b)                             (eq. 4, CIC), f = softmax(logits)
 *   raw     = relu(sum_k alpha_k A_k),  map = bilinear(raw)         (eq. 6)
 * </pre>
 * The baseline X_b is the all-zero input, the masked input of an all-zero mask; the score is the
 * target's {@link Target.Score#PROBABILITY}, softmax over the classes as the paper states. (The
 * authors' code and pytorch-grad-cam leave out f_c(X_b), i.e. take it as 0, which adds
 * {@code f_c(X_b) sum_k A_k} inside the ReLU; torch-cam further takes a softmax of the alphas
 * over k.) Cost: one forward pass for A, one for the baseline, and K forward passes of masked
 * inputs in batches of {@code batchSize}, per input row.
 */
public final class ScoreCam implements Explainer<CamResult> {
    private final String layer;
    private final int batchSize;
    private final Progress progress;

    public ScoreCam(String layer, int batchSize) {
        this(layer, batchSize, Progress.NONE);
    }

    /** {@code progress} hears of the clean pass, the baseline pass and each batch of masked inputs. */
    public ScoreCam(String layer, int batchSize, Progress progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.layer = layer;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "Score-CAM");
        Head head = Head.of(graph);
        String name = head.featureMapsAt(graph, layer, "Score-CAM");
        Map<String, INDArray> v = graph.run(Map.of(ActivationGradient.inputOf(graph), x), List.of(name, head.logits()));
        INDArray A = v.get(name);
        INDArray z = v.get(head.logits());
        progress.advance(x.size(0));
        NdArrays.require4d(A, "the activation at '" + name + "'", "Score-CAM");
        Scores scores = target.seed(z, head).scores();
        int n = (int) A.size(0);
        int k = (int) A.size(1);
        int H = (int) x.size(2);
        int W = (int) x.size(3);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);
        double[] weights = new double[n * k];
        for (int row = 0; row < n; row++) {
            Target probability = target.fixedAt(z, row).withScore(Target.Score.PROBABILITY);
            INDArray xn = NdArrays.row(x, row);
            double[] masks = masks(NdArrays.row(A, row), H, W);
            INDArray zero = Nd4j.zerosLike(xn);
            double atBaseline = probabilities(graph, head, zero, probability)[0];
            progress.advance(1);
            for (int start = 0; start < k; start += rows) {
                int count = Math.min(rows, k - start);
                INDArray m = NdArrays.create(java.util.Arrays.copyOfRange(masks, start * H * W, (start + count) * H * W),
                        new long[] {count, 1, H, W}, x.dataType());
                INDArray masked = m.mul(xn);
                double[] p = probabilities(graph, head, masked, probability);
                for (int i = 0; i < count; i++) {
                    weights[row * k + start + i] = p[i] - atBaseline;
                }
                NdArrays.close(m, masked);
                progress.advance(count);
            }
            NdArrays.close(zero, xn == x ? null : xn);
        }
        INDArray w = NdArrays.create(weights, new long[] {n, k}, A.dataType());
        CamResult cam = CamResult.weighted(A, w, H, W, name, scores);
        NdArrays.close(A, z);
        return cam;
    }

    /** H_k for the K maps of one row {@code [1, K, h, w]}: upsampled, min-max scaled, {@code [K * H * W]}. */
    static double[] masks(INDArray A, int H, int W) {
        INDArray up = Upsampling.bilinear(A.reshape(A.size(1), A.size(2), A.size(3)), H, W);
        double[] m = Flat.read(up);
        NdArrays.close(up);
        int hw = H * W;
        for (int c = 0; c < m.length / hw; c++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = c * hw; i < (c + 1) * hw; i++) {
                lo = Math.min(lo, m[i]);
                hi = Math.max(hi, m[i]);
            }
            for (int i = c * hw; i < (c + 1) * hw; i++) {
                m[i] = hi > lo ? (m[i] - lo) / (hi - lo) : 0;
            }
        }
        return m;
    }

    private static double[] probabilities(Graph graph, Head head, INDArray batch, Target probability) {
        INDArray z = head.at(graph, batch);
        double[] p = probability.seed(z, head).scores().values();
        NdArrays.close(z);
        return p;
    }
}
