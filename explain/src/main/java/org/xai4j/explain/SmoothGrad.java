package org.xai4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * SmoothGrad (Smilkov et al., "SmoothGrad: removing noise by adding noise", 2017) as a wrapper
 * around any explainer: the mean of its maps over noisy copies of the input.
 * <pre>
 *   map = (1/n) sum_{i=1..n} method(x + eps_i),   eps_i ~ N(0, (sigma (max(x) - min(x)))^2)
 * </pre>
 * {@code sigma} is a fraction of the input's range (the paper finds 0.1-0.2 works well). The
 * copies run through the wrapped method in batches of {@code batchSize} rows; every copy explains
 * the class chosen at the clean input. Cost: {@code samples} times the wrapped method's cost,
 * plus one forward pass.
 */
public final class SmoothGrad implements Explainer<Attribution> {
    private final Explainer<?> method;
    private final int samples;
    private final double sigma;
    private final long seed;
    private final int batchSize;
    private final Progress progress;

    public SmoothGrad(Explainer<?> method, int samples, double sigma, long seed, int batchSize) {
        this(method, samples, sigma, seed, batchSize, Progress.NONE);
    }

    /** {@code progress} hears of the clean pass and of each batch of noisy copies. */
    public SmoothGrad(Explainer<?> method, int samples, double sigma, long seed, int batchSize, Progress progress) {
        Noise.checkSettings(samples, sigma, batchSize);
        this.method = method;
        this.samples = samples;
        this.sigma = sigma;
        this.seed = seed;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    /** Seed 0, batches of 8. */
    public static SmoothGrad of(Explainer<?> method, int samples, double sigma) {
        return new SmoothGrad(method, samples, sigma, 0, 8);
    }

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        Head head = Head.of(graph);
        INDArray z = head.at(graph, x);
        progress.advance(x.size(0));
        Scores scores = target.seed(z, head).scores();
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);
        List<INDArray> maps = new ArrayList<>();
        for (int row = 0; row < x.size(0); row++) {
            INDArray xn = NdArrays.row(x, row);
            Target fixed = target.fixedAt(z, row);
            double std = Noise.std(xn, sigma);
            INDArray sum = null;
            for (int start = 0; start < samples; start += rows) {
                INDArray noisy = Noise.copies(xn, Math.min(rows, samples - start), std, rng);
                INDArray m = method.explain(graph, noisy, fixed).map();
                progress.advance(noisy.size(0));
                INDArray s = m.sum(true, 0);
                sum = sum == null ? s : sum.addi(s);
                NdArrays.close(noisy, m, s == sum ? null : s);
            }
            maps.add(sum.divi(samples));
            NdArrays.close(xn == x ? null : xn);
        }
        NdArrays.close(z);
        return new Attribution(NdArrays.stack(maps), scores);
    }
}
