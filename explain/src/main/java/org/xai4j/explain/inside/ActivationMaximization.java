package org.xai4j.explain.inside;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Tape;
import org.xai4j.explain.ActivationGradient;
import org.xai4j.explain.Head;
import org.xai4j.explain.Progress;

/**
 * Activation maximization: gradient ascent on the input for a class logit (class model
 * visualisation, Simonyan, Vedaldi and Zisserman, ICLR 2014 workshop:
 * {@code argmax_I S_c(I) - lambda ||I||^2}), a channel's mean or one unit (Erhan et al. 2009),
 * with the regularisers of Olah, Mordvintsev and Schubert, "Feature Visualization", Distill 2017
 * and its library Lucent: transformation robustness (jitter, random scale and rotation), a
 * decorrelated Fourier parameterisation with colour decorrelation, and L2, total variation and
 * periodic Gaussian blur (Yosinski et al. 2015; Mahendran and Vedaldi 2015).
 *
 * <p>The image lives in pixel space: {@code p = 255 sigmoid(t)}, t the parameterised image
 * (colour-decorrelated when asked), and the model sees {@code x = preprocess(warp(p))}. Steps are
 * Adam on the parameters minimising
 * <pre>L = -score(preprocess(warp(p))) + l2 ||x0||^2 / n + tv TV(x0) / n - diversity</pre>
 * with x0 = preprocess(p) unwarped, n its number of values, TV the sum of squared neighbour
 * differences, and diversity Lucent's {@code -sum_{i != j} cos(G_i, G_j) / B} of the Gram matrices
 * of a layer's channels over the B images. The result is rounded to 8-bit pixels, so the PNG
 * that is written is exactly the image the reported scores were computed on.
 */
public final class ActivationMaximization {

    /** What is maximised. */
    public sealed interface Objective {
        /** The pre-softmax logit of {@code classIndex}. */
        record Logit(int classIndex) implements Objective {}

        /** The mean of channel {@code channel} of {@code node}. */
        record ChannelMean(String node, int channel) implements Objective {}

        /** One unit: channel {@code channel} of {@code node} at row {@code y}, column {@code x}. */
        record Unit(String node, int channel, int y, int x) implements Objective {}
    }

    /**
     * The settings. {@link #LUCENT} is Lucent's {@code render_vis} with its standard transforms;
     * {@link #PLAIN} is the unregularised ascent of Simonyan et al. in pixels.
     */
    public record Settings(int steps, double learningRate, boolean fourier, boolean decorrelate, int jitter, double scale,
                           double degrees, double l2, double tv, double blurSigma, int blurEvery, int images,
                           double diversity, String diversityNode, long seed) {
        public static final Settings LUCENT = new Settings(256, 0.05, true, true, 8, 0.1, 10, 0, 0, 0, 0, 1, 0, null, 0);
        public static final Settings PLAIN = new Settings(256, 0.05, false, false, 0, 0, 0, 0, 0, 0, 0, 1, 0, null, 0);

        public Settings {
            if (steps < 1 || images < 1 || !(learningRate > 0) || jitter < 0 || !(scale >= 0 && scale < 1) || !(degrees >= 0)
                    || !(l2 >= 0) || !(tv >= 0) || !(blurSigma >= 0) || blurEvery < 0 || !(diversity >= 0)) {
                throw new IllegalArgumentException("activation maximization settings out of range: " + this);
            }
        }

        public Settings withSteps(int n) { return new Settings(n, learningRate, fourier, decorrelate, jitter, scale, degrees, l2, tv, blurSigma, blurEvery, images, diversity, diversityNode, seed); }
        public Settings withLearningRate(double r) { return new Settings(steps, r, fourier, decorrelate, jitter, scale, degrees, l2, tv, blurSigma, blurEvery, images, diversity, diversityNode, seed); }
        public Settings withFourier(boolean f, boolean d) { return new Settings(steps, learningRate, f, d, jitter, scale, degrees, l2, tv, blurSigma, blurEvery, images, diversity, diversityNode, seed); }
        public Settings withTransforms(int j, double s, double deg) { return new Settings(steps, learningRate, fourier, decorrelate, j, s, deg, l2, tv, blurSigma, blurEvery, images, diversity, diversityNode, seed); }
        public Settings withPenalties(double l, double t) { return new Settings(steps, learningRate, fourier, decorrelate, jitter, scale, degrees, l, t, blurSigma, blurEvery, images, diversity, diversityNode, seed); }
        public Settings withBlur(double sigma, int every) { return new Settings(steps, learningRate, fourier, decorrelate, jitter, scale, degrees, l2, tv, sigma, every, images, diversity, diversityNode, seed); }
        public Settings withImages(int n, double weight, String node) { return new Settings(steps, learningRate, fourier, decorrelate, jitter, scale, degrees, l2, tv, blurSigma, blurEvery, n, weight, node, seed); }
        public Settings withSeed(long s) { return new Settings(steps, learningRate, fourier, decorrelate, jitter, scale, degrees, l2, tv, blurSigma, blurEvery, images, diversity, diversityNode, s); }
    }

    /**
     * The result: {@code pixels} [B, 3, H, W] RGB 0..255 whole numbers (what the PNG holds), the
     * objective on the first step's image and on the final pixels, and the final model input.
     */
    public record Result(INDArray pixels, INDArray input, double[] startScore, double[] finalScore) {}

    // Lucent's color_correlation_svd_sqrt, divided by its largest column norm.
    private static final double[][] COLOUR = normalised(new double[][] {{0.26, 0.09, 0.02}, {0.27, 0.00, -0.05}, {0.27, -0.09, 0.03}});

    private final Graph graph;
    private final PixelSpace space;
    private final int H;
    private final int W;

    /** For {@code graph} seen through {@code space}, at {@code H x W} pixels. */
    public ActivationMaximization(Graph graph, PixelSpace space, int H, int W) {
        this.graph = graph;
        this.space = space;
        this.H = H;
        this.W = W;
        if (H < 1 || W < 1 || (long) H * W > 4096L * 4096) {
            throw new IllegalArgumentException("activation maximization needs an image of 1x1 to 4096x4096 pixels, got " + H + "x" + W);
        }
    }

    public Result run(Objective objective, Settings s, Progress progress) {
        String input = ActivationGradient.inputOf(graph);
        String node = seedNode(objective);
        int B = s.images();
        long[] fixed = graph.inputs().get(0).shape();
        if (B > 1 && fixed != null && fixed.length > 0 && fixed[0] > 0 && fixed[0] < B) {
            throw new IllegalArgumentException("the model takes batches of " + fixed[0] + "; " + B + " images need a model with a free batch axis");
        }
        if (s.diversity() > 0 && B < 2) {
            throw new IllegalArgumentException("diversity compares several images: ask for at least 2");
        }
        String diversityNode = s.diversity() > 0 ? graph.resolve(s.diversityNode() != null ? s.diversityNode() : node) : null;
        int hw = H * W;
        int n = 3 * hw;
        SplittableRandom rng = new SplittableRandom(s.seed());
        FourierImage fourier = s.fourier() ? new FourierImage(H, W) : null;
        double[][] theta = new double[B][];
        for (int b = 0; b < B; b++) {
            theta[b] = fourier != null ? fourier.initial(3, rng, 0.01) : gaussians(n, rng, 0.01);
        }
        Adam adam = new Adam(B, theta[0].length, s.learningRate());
        double[] start = null;
        for (int step = 0; step <= s.steps(); step++) {
            boolean last = step == s.steps();
            double[][] t = new double[B][];
            double[][] p = new double[B][];
            double[][] x0 = new double[B][n];
            double[][] xin = new double[B][n];
            RandomWarp[] warps = new RandomWarp[B];
            for (int b = 0; b < B; b++) {
                t[b] = fourier != null ? fourier.image(theta[b], 3) : theta[b].clone();
                if (s.decorrelate()) {
                    t[b] = mixColours(t[b], hw, false);
                }
                p[b] = new double[n];
                for (int i = 0; i < n; i++) {
                    p[b][i] = 255 / (1 + Math.exp(-t[b][i]));
                }
                if (last) {
                    for (int i = 0; i < n; i++) {
                        p[b][i] = Math.rint(p[b][i]);
                    }
                }
                space.apply(p[b], x0[b], hw);
                warps[b] = last ? new RandomWarp(H, W, 0, 0, 1, 0) : RandomWarp.draw(rng, H, W, s.jitter(), s.scale(), s.degrees());
                if (warps[b].isIdentity()) {
                    xin[b] = x0[b];
                } else {
                    double[] pw = new double[n];
                    warps[b].apply(p[b], pw, 3, 127.5);
                    space.apply(pw, xin[b], hw);
                }
            }
            INDArray x = Nd4j.create(flatten(xin), new long[] {B, 3, H, W}, DataType.FLOAT);
            double[] score = new double[B];
            double[][] dx;
            // A backward from the logits to the input may run the body as one compiled plan; a seed
            // inside the body (a channel, a unit, the diversity layer) needs every value recorded.
            boolean atLogits = objective instanceof Objective.Logit && diversityNode == null;
            try (Tape tape = atLogits ? graph.forward(Map.of(input, x), List.of(input)) : graph.forward(Map.of(input, x))) {
                INDArray a = tape.value(node);
                INDArray seed = seed(objective, a, score);
                if (start == null) {
                    start = score.clone();
                }
                if (last) {
                    return new Result(Nd4j.create(flatten(p), new long[] {B, 3, H, W}, DataType.FLOAT), x, start, score);
                }
                INDArray g = tape.backward(node, seed, List.of(input)).get(input);
                if (diversityNode != null) {
                    INDArray gd = tape.backward(diversityNode, diversitySeed(tape.value(diversityNode), s.diversity()), List.of(input)).get(input);
                    g = g.add(gd);
                }
                double[] gv = Flat.read(g);
                dx = new double[B][n];
                for (int b = 0; b < B; b++) {
                    // Minimise -score: the loss gradient is -g.
                    for (int i = 0; i < n; i++) {
                        dx[b][i] = -gv[b * n + i];
                    }
                }
            }
            for (int b = 0; b < B; b++) {
                double[] dp = new double[n];
                double[] dpw = new double[n];
                space.adjoint(dx[b], dpw, hw);
                if (warps[b].isIdentity()) {
                    dp = dpw;
                } else {
                    warps[b].adjoint(dpw, dp, 3);
                }
                double[] dx0 = penalties(x0[b], s);
                if (dx0 != null) {
                    space.adjoint(dx0, dp, hw);
                }
                double[] dt = new double[n];
                for (int i = 0; i < n; i++) {
                    double u = p[b][i] / 255;
                    dt[i] = dp[i] * 255 * u * (1 - u);
                }
                if (s.decorrelate()) {
                    dt = mixColours(dt, hw, true);
                }
                double[] dtheta = fourier != null ? fourier.adjoint(dt, 3) : dt;
                adam.step(b, theta[b], dtheta);
                if (fourier == null && s.blurEvery() > 0 && s.blurSigma() > 0 && (step + 1) % s.blurEvery() == 0) {
                    theta[b] = Blur.gaussian(theta[b], 3, H, W, s.blurSigma());
                }
            }
            if (progress != null) {
                progress.advance(B);
            }
        }
        throw new AssertionError("unreachable");
    }

    private String seedNode(Objective o) {
        if (o instanceof Objective.ChannelMean c) {
            return graph.resolve(c.node());
        }
        if (o instanceof Objective.Unit u) {
            return graph.resolve(u.node());
        }
        return Head.of(graph).logits();
    }

    /** The seed dScore/dA at the objective's node, and each row's score into {@code score}. */
    private static INDArray seed(Objective o, INDArray a, double[] score) {
        INDArray seed = Nd4j.zeros(a.dataType(), a.shape());
        long B = a.size(0);
        if (o instanceof Objective.Logit l) {
            if (a.rank() != 2 || l.classIndex() < 0 || l.classIndex() >= a.size(1)) {
                throw new IllegalArgumentException("class " + l.classIndex() + " is out of range: the logits are " + Arrays.toString(a.shape()));
            }
            for (int b = 0; b < B; b++) {
                score[b] = a.getDouble(b, l.classIndex());
                seed.putScalar(new long[] {b, l.classIndex()}, 1);
            }
        } else if (o instanceof Objective.ChannelMean c) {
            checkChannel(a, c.node(), c.channel());
            long hw = a.size(2) * a.size(3);
            for (int b = 0; b < B; b++) {
                INDArray plane = a.slice(b).slice(c.channel());
                score[b] = plane.sumNumber().doubleValue() / hw;
                seed.slice(b).slice(c.channel()).assign(1.0 / hw);
            }
        } else if (o instanceof Objective.Unit u) {
            checkChannel(a, u.node(), u.channel());
            if (u.y() < 0 || u.y() >= a.size(2) || u.x() < 0 || u.x() >= a.size(3)) {
                throw new IllegalArgumentException("unit " + u.y() + "," + u.x() + " is outside node '" + u.node() + "' of "
                        + a.size(2) + "x" + a.size(3) + " positions");
            }
            for (int b = 0; b < B; b++) {
                score[b] = a.getDouble(b, u.channel(), u.y(), u.x());
                seed.putScalar(new long[] {b, u.channel(), u.y(), u.x()}, 1);
            }
        }
        return seed;
    }

    private static void checkChannel(INDArray a, String node, int channel) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException("node '" + node + "' is " + Arrays.toString(a.shape()) + ", not feature maps [N, K, h, w]");
        }
        if (channel < 0 || channel >= a.size(1)) {
            throw new IllegalArgumentException("channel " + channel + " is out of range: node '" + node + "' has " + a.size(1) + " channels");
        }
    }

    /**
     * The gradient of {@code weight * sum_{i != j} <G_i, G_j> / (|G_i| |G_j| B)} (Lucent's
     * diversity, to be maximised as a score) with respect to the activation a [B, K, h, w],
     * G_i = A_i A_i^T the K x K Gram matrix of image i's channels.
     */
    static INDArray diversitySeed(INDArray a, double weight) {
        int B = (int) a.size(0);
        int K = (int) a.size(1);
        INDArray[] A = new INDArray[B];
        INDArray[] G = new INDArray[B];
        double[] norm = new double[B];
        for (int b = 0; b < B; b++) {
            A[b] = a.slice(b).reshape(K, -1).castTo(DataType.DOUBLE);
            G[b] = A[b].mmul(A[b].transpose());
            norm[b] = Math.max(G[b].norm2Number().doubleValue(), 1e-12);
        }
        INDArray seed = Nd4j.zeros(DataType.DOUBLE, a.shape());
        for (int i = 0; i < B; i++) {
            INDArray gi = G[i].div(norm[i]);
            INDArray dGi = Nd4j.zeros(DataType.DOUBLE, K, K);
            for (int j = 0; j < B; j++) {
                if (j != i) {
                    INDArray gj = G[j].div(norm[j]);
                    double c = gi.mul(gj).sumNumber().doubleValue();
                    // d cos / d G_i = (g_j - cos g_i) / |G_i|; both ordered pairs (i, j) and (j, i) count.
                    dGi.addi(gj.sub(gi.mul(c)).divi(norm[i]).muli(2));
                }
            }
            // dL/dA_i = (dG + dG^T) A_i.
            INDArray dA = dGi.add(dGi.transpose()).mmul(A[i]).muli(-weight / B);
            seed.slice(i).assign(dA.reshape(a.size(1), a.size(2), a.size(3)));
        }
        return seed.castTo(a.dataType());
    }

    /** d(l2 ||x0||^2 / n + tv TV(x0) / n) / dx0, or null when both are off. */
    private double[] penalties(double[] x0, Settings s) {
        if (s.l2() == 0 && s.tv() == 0) {
            return null;
        }
        int n = x0.length;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = 2 * s.l2() * x0[i] / n;
        }
        if (s.tv() > 0) {
            double k = 2 * s.tv() / n;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        int i = c * H * W + y * W + x;
                        if (y + 1 < H) {
                            double e = x0[i + W] - x0[i];
                            d[i + W] += k * e;
                            d[i] -= k * e;
                        }
                        if (x + 1 < W) {
                            double e = x0[i + 1] - x0[i];
                            d[i + 1] += k * e;
                            d[i] -= k * e;
                        }
                    }
                }
            }
        }
        return d;
    }

    /** RGB = M t per pixel (or t = M^T d for the adjoint), M the normalised colour correlation. */
    private static double[] mixColours(double[] t, int hw, boolean transpose) {
        double[] out = new double[t.length];
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < 3; k++) {
                double m = transpose ? COLOUR[k][c] : COLOUR[c][k];
                for (int i = 0; i < hw; i++) {
                    out[c * hw + i] += m * t[k * hw + i];
                }
            }
        }
        return out;
    }

    private static double[][] normalised(double[][] m) {
        double max = 0;
        for (int k = 0; k < 3; k++) {
            max = Math.max(max, Math.sqrt(m[0][k] * m[0][k] + m[1][k] * m[1][k] + m[2][k] * m[2][k]));
        }
        double[][] out = new double[3][3];
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < 3; k++) {
                out[c][k] = m[c][k] / max;
            }
        }
        return out;
    }

    private static double[] gaussians(int n, SplittableRandom rng, double sd) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = sd * FourierImage.gaussian(rng);
        }
        return v;
    }

    private static double[] flatten(double[][] rows) {
        int n = rows[0].length;
        double[] v = new double[rows.length * n];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, v, b * n, n);
        }
        return v;
    }

    /** Adam (Kingma and Ba 2015), one state per image; minimises. */
    private static final class Adam {
        private static final double BETA1 = 0.9;
        private static final double BETA2 = 0.999;
        private static final double DELTA = 1e-8;
        private final double[][] m;
        private final double[][] v;
        private final int[] t;
        private final double rate;

        Adam(int images, int size, double rate) {
            m = new double[images][size];
            v = new double[images][size];
            t = new int[images];
            this.rate = rate;
        }

        void step(int b, double[] theta, double[] g) {
            t[b]++;
            double c1 = 1 - Math.pow(BETA1, t[b]);
            double c2 = 1 - Math.pow(BETA2, t[b]);
            for (int i = 0; i < theta.length; i++) {
                m[b][i] = BETA1 * m[b][i] + (1 - BETA1) * g[i];
                v[b][i] = BETA2 * v[b][i] + (1 - BETA2) * g[i] * g[i];
                theta[i] -= rate * (m[b][i] / c1) / (Math.sqrt(v[b][i] / c2) + DELTA);
            }
        }
    }

    /** Separable Gaussian blur of C planes, edges clamped. */
    static final class Blur {
        private Blur() {}

        static double[] gaussian(double[] v, int C, int H, int W, double sigma) {
            int r = (int) Math.ceil(3 * sigma);
            double[] k = new double[2 * r + 1];
            double sum = 0;
            for (int i = -r; i <= r; i++) {
                k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
                sum += k[i + r];
            }
            for (int i = 0; i < k.length; i++) {
                k[i] /= sum;
            }
            double[] tmp = new double[v.length];
            double[] out = new double[v.length];
            for (int c = 0; c < C; c++) {
                int o = c * H * W;
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        double s = 0;
                        for (int i = -r; i <= r; i++) {
                            s += k[i + r] * v[o + y * W + Math.min(Math.max(x + i, 0), W - 1)];
                        }
                        tmp[o + y * W + x] = s;
                    }
                }
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        double s = 0;
                        for (int i = -r; i <= r; i++) {
                            s += k[i + r] * tmp[o + Math.min(Math.max(y + i, 0), H - 1) * W + x];
                        }
                        out[o + y * W + x] = s;
                    }
                }
            }
            return out;
        }
    }

    /** The objectives' names, as the command line prints them. */
    public static String describe(Objective o) {
        if (o instanceof Objective.ChannelMean c) {
            return "mean of channel " + c.channel() + " of '" + c.node() + "'";
        }
        if (o instanceof Objective.Unit u) {
            return "channel " + u.channel() + " of '" + u.node() + "' at " + u.y() + "," + u.x();
        }
        return "class " + ((Objective.Logit) o).classIndex() + " logit";
    }

    /** One image [3, H, W] of a result's pixels (whole numbers 0..255) as an 8-bit picture, value for value. */
    public static java.awt.image.BufferedImage picture(INDArray p) {
        int H = (int) p.size(1);
        int W = (int) p.size(2);
        double[] v = Flat.read(p);
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(W, H, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    rgb = rgb << 8 | (int) Math.max(0, Math.min(255, Math.rint(v[c * H * W + y * W + x])));
                }
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }
}
