package org.xai4j.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;

/**
 * Augmented Grad-CAM (Morbidelli, Carrera, Rossi, Fragneto and Boracchi, "Augmented Grad-CAM:
 * Heat-Maps Super Resolution Through Augmentation", ICASSP 2020): Grad-CAMs of many rotated and
 * shifted copies of the input, each a low-resolution view of one high-resolution map, which is
 * recovered by super-resolution with total-variation regularisation ({@link SuperResolution} has
 * the problem and the solver).
 * <pre>
 *   x_l = A_l(x), l = 1..L (A_1 the identity)        g_l = Grad-CAM(x_l)   [h, w], after its ReLU
 *   h^  = argmin_h 1/2 sum_l ||D A_l h - g_l||^2 + lambda TV_l1(h) + mu/2 ||h||^2
 *   map = relu(h^) [N, H, W];  raw, weights: the plain Grad-CAM of x (g_1)
 * </pre>
 * Augmentations as the authors' code draws them: angles uniform in +-{@value #MAX_ANGLE} rad,
 * shifts uniform in +-{@value #MAX_SHIFT} of the size (30 pixels at 224), bilinear, zeros outside;
 * seeded. The maps are divided by their largest value before solving and multiplied back after,
 * so that {@code lambda} and {@code mu} mean the same for every model (the problem's
 * minimiser scales with the data only when they scale with it too). The copies go through the
 * network in batches of {@code batchSize}. Cost: one forward pass for the class, and L forward
 * passes and backward passes that stop at the layer, per input row; then the solver.
 */
public final class AugmentedGradCam implements Explainer<CamResult> {
    public static final int AUGMENTATIONS = 100;
    public static final double LAMBDA = 0.002;
    public static final double MU = 0.0001;
    public static final int ITERATIONS = 200;
    static final double MAX_ANGLE = 0.5;
    static final double MAX_SHIFT = 30.0 / 224;

    private final String layer;
    private final int augmentations;
    private final double lambda;
    private final double mu;
    private final int iterations;
    private final double step;
    private final long seed;
    private final int batchSize;
    private final Progress progress;

    /** The defaults above, seed 0, batches of 8. */
    public static AugmentedGradCam of(String layer) {
        return new AugmentedGradCam(layer, AUGMENTATIONS, LAMBDA, MU, ITERATIONS, 0, 0, 8, Progress.NONE);
    }

    /** {@code step} 0: the automatic step of {@link SuperResolution}; {@code progress} hears of every batch of copies. */
    public AugmentedGradCam(String layer, int augmentations, double lambda, double mu, int iterations, double step, long seed,
                            int batchSize, Progress progress) {
        if (augmentations < 1 || iterations < 0 || batchSize < 1 || !(lambda >= 0) || !(mu >= 0) || !(step >= 0)
                || Double.isInfinite(lambda + mu + step)) {
            throw new IllegalArgumentException("Augmented Grad-CAM needs augmentations >= 1, iterations >= 0, batchSize >= 1 and "
                    + "finite lambda, mu, step >= 0; got " + augmentations + ", " + iterations + ", " + batchSize + ", " + lambda
                    + ", " + mu + ", " + step);
        }
        this.layer = layer;
        this.augmentations = augmentations;
        this.lambda = lambda;
        this.mu = mu;
        this.iterations = iterations;
        this.step = step;
        this.seed = seed;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "Augmented Grad-CAM");
        Head head = Head.of(graph);
        String name = head.featureMapsAt(graph, layer, "Augmented Grad-CAM");
        GradCam gradCam = GradCam.of(name);
        INDArray z = head.at(graph, x);
        progress.advance(x.size(0));
        Scores scores = target.seed(z, head).scores();
        int n = (int) x.size(0);
        int C = (int) x.size(1);
        int H = (int) x.size(2);
        int W = (int) x.size(3);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);
        SplittableRandom rng = new SplittableRandom(seed);
        List<INDArray> maps = new ArrayList<>();
        List<INDArray> raws = new ArrayList<>();
        List<INDArray> weights = new ArrayList<>();
        for (int row = 0; row < n; row++) {
            Target fixed = target.fixedAt(z, row);
            INDArray xn = NdArrays.row(x, row);
            double[] planes = Flat.read(xn);
            List<Augmentation> augs = Augmentation.draw(augmentations, MAX_ANGLE, MAX_SHIFT, H, W, rng);
            double[][] g = new double[augmentations][];
            int h = 0;
            int w = 0;
            for (int start = 0; start < augmentations; start += rows) {
                int count = Math.min(rows, augmentations - start);
                double[] batch = new double[count * planes.length];
                for (int i = 0; i < count; i++) {
                    System.arraycopy(augs.get(start + i).apply(planes, H, W), 0, batch, i * planes.length, planes.length);
                }
                INDArray copies = NdArrays.create(batch, new long[] {count, C, H, W}, x.dataType());
                CamResult r = gradCam.explain(graph, copies, fixed);
                h = (int) r.raw().size(1);
                w = (int) r.raw().size(2);
                double[] raw = Flat.read(r.raw());
                for (int i = 0; i < count; i++) {
                    g[start + i] = Arrays.copyOfRange(raw, i * h * w, (i + 1) * h * w);
                }
                if (start == 0) {
                    raws.add(NdArrays.row(r.raw(), 0).dup());
                    weights.add(NdArrays.row(r.weights(), 0).dup());
                }
                NdArrays.close(copies, r.map(), r.raw(), r.weights());
                progress.advance(count);
            }
            maps.add(NdArrays.create(superResolve(augs, g, h, w, H, W), new long[] {1, H, W}, x.dataType()));
            NdArrays.close(xn == x ? null : xn);
        }
        NdArrays.close(z);
        return new CamResult(NdArrays.stack(maps), NdArrays.stack(raws), NdArrays.stack(weights), name, scores);
    }

    /** relu(h^) for the maps {@code g} of the augmentations {@code augs}, solved at unit scale. */
    double[] superResolve(List<Augmentation> augs, double[][] g, int h, int w, int H, int W) {
        double scale = 0;
        for (double[] gl : g) {
            for (double v : gl) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        if (scale == 0) {
            return new double[H * W];
        }
        double[][] unit = new double[g.length][];
        List<SuperResolution.Operator> M = new ArrayList<>();
        for (int l = 0; l < g.length; l++) {
            unit[l] = g[l].clone();
            for (int c = 0; c < unit[l].length; c++) {
                unit[l][c] /= scale;
            }
            M.add(SuperResolution.operator(augs.get(l), h, w, H, W));
        }
        double eta = step > 0 ? step : SuperResolution.defaultStep(g.length, h, w, H, W, mu);
        double[] hr = SuperResolution.solve(M, unit, H, W, lambda, mu, iterations, eta);
        for (int p = 0; p < hr.length; p++) {
            hr[p] = Math.max(0, hr[p] * scale);
        }
        return hr;
    }
}
