package org.xai4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;

/**
 * Smooth Grad-CAM++ (Omeiza et al., "Smooth Grad-CAM++: An Enhanced Inference Level
 * Visualization Technique for Deep Convolutional Neural Network Models", 2019): Grad-CAM++ with
 * the first, second and third powers of the gradient averaged over noisy copies of the input.
 * <pre>
 *   D1 = mean_i g_i, D2 = mean_i g_i^2, D3 = mean_i g_i^3     g_i = dScore/dA at x + eps_i
 *   a  = D2 / (2 D2 + (sum_ij A_kij) D3 + 1e-6),  w_k = sum_ij [D1 > 0] D1 a
 *   raw = relu(sum_k w_k A_k),  map = bilinear(raw)            A from the clean input
 * </pre>
 * Noise as {@link SmoothGrad}: {@code sigma} is a fraction of the input range. Cost: one forward
 * pass, plus {@code samples} forward passes and backward passes that stop at the layer, in
 * batches of {@code batchSize}.
 */
public final class SmoothGradCamPlusPlus implements Explainer<CamResult> {
    private final String layer;
    private final int samples;
    private final double sigma;
    private final long seed;
    private final int batchSize;
    private final Progress progress;

    public SmoothGradCamPlusPlus(String layer, int samples, double sigma, long seed, int batchSize) {
        this(layer, samples, sigma, seed, batchSize, Progress.NONE);
    }

    /** {@code progress} hears of the clean pass and of each batch of noisy copies. */
    public SmoothGradCamPlusPlus(String layer, int samples, double sigma, long seed, int batchSize, Progress progress) {
        Noise.checkSettings(samples, sigma, batchSize);
        this.layer = layer;
        this.samples = samples;
        this.sigma = sigma;
        this.seed = seed;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "Smooth Grad-CAM++");
        Head head = Head.of(graph);
        String name = head.featureMapsAt(graph, layer, "Smooth Grad-CAM++");
        Map<String, INDArray> clean = graph.run(Map.of(ActivationGradient.inputOf(graph), x), List.of(name, head.logits()));
        INDArray A = clean.get(name);
        INDArray z = clean.get(head.logits());
        progress.advance(x.size(0));
        NdArrays.require4d(A, "the activation at '" + name + "'", "Smooth Grad-CAM++");
        Scores scores = target.seed(z, head).scores();
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);
        List<INDArray> weights = new ArrayList<>();
        int size = (int) (A.length() / A.size(0));
        for (int row = 0; row < x.size(0); row++) {
            INDArray xn = NdArrays.row(x, row);
            Target fixed = target.fixedAt(z, row);
            double std = Noise.std(xn, sigma);
            double[] d1 = new double[size];
            double[] d2 = new double[size];
            double[] d3 = new double[size];
            for (int start = 0; start < samples; start += rows) {
                INDArray noisy = Noise.copies(xn, Math.min(rows, samples - start), std, rng);
                ActivationGradient r = ActivationGradient.record(graph, noisy, fixed, name);
                progress.advance(noisy.size(0));
                double[] g = Flat.read(r.gradient());
                for (int i = 0; i < g.length; i++) {
                    double v = g[i];
                    d1[i % size] += v / samples;
                    d2[i % size] += v * v / samples;
                    d3[i % size] += v * v * v / samples;
                }
                NdArrays.close(noisy, r.activation(), r.gradient());
            }
            weights.add(ChannelWeights.plusPlus(NdArrays.row(A, row), d1, d2, d3));
            NdArrays.close(xn == x ? null : xn);
        }
        INDArray w = NdArrays.stack(weights);
        CamResult cam = CamResult.weighted(A, w, (int) x.size(2), (int) x.size(3), name, scores);
        NdArrays.close(A, z);
        return cam;
    }
}
