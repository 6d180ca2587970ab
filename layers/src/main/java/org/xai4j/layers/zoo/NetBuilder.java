package org.xai4j.layers.zoo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.ReLU;

/**
 * Builds a seeded ImageNet-shaped graph node by node, tracking each value's channel count and
 * the predicted mean and variance of its elements, from which the batch-norm statistics are
 * chosen.
 *
 * <p>Why: with random weights a network whose batch norms hold mean 0, variance 1 is not
 * normalised at all, and its activations grow or shrink by a factor per layer. Here each batch
 * norm's running statistics are the predicted moments of its input, so its output has mean
 * about beta and variance about gamma^2, whatever came before. The predictions treat every
 * element as Gaussian N(m, s^2): a convolution with He weights N(0, 2 / fan_in) gives
 * N(0, 2 (m^2 + s^2)) (He et al., ICCV 2015, eq. 7); a ReLU gives the rectified-Gaussian
 * moments; a sum adds means and variances; a 3x3 max adds 1.485 s to the mean (the expected
 * maximum of 9 standard normals). Residual stacks then grow at most linearly with depth, never
 * exponentially. The statistics are jittered (seeded) so that folding them into the
 * convolutions is a non-trivial transformation.
 */
final class NetBuilder {
    static final String INPUT = "input";

    private final Random rng;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final Map<String, Integer> channels = new HashMap<>();
    private final Map<String, Moments> moments = new HashMap<>();

    /** Predicted mean and variance of a value's elements. */
    record Moments(double mean, double var) {
        double second() {
            return mean * mean + var;
        }
    }

    NetBuilder(long seed) {
        rng = new Random(seed);
        channels.put(INPUT, 3);
        moments.put(INPUT, new Moments(0, 1));
    }

    int channels(String value) {
        return channels.get(value);
    }

    private String add(String name, Layer<?> layer, int c, Moments m, String... inputs) {
        nodes.add(Node.of(name, layer, inputs));
        channels.put(name, c);
        moments.put(name, m);
        return name;
    }

    /** A convolution without bias: weight [K, C/groups, R, R] ~ N(0, 2 / fan_in). */
    String conv(String name, String in, int k, int r, ConvSpec spec) {
        int c = channels(in);
        int fanIn = c / spec.groups() * r * r;
        INDArray w = gaussian(Math.sqrt(2.0 / fanIn), k, c / spec.groups(), r, r);
        return add(name, new Conv2d(w, null, spec), k, new Moments(0, 2 * moments.get(in).second()), in);
    }

    /** Inference batch norm whose running statistics are the predicted moments of its input. */
    String batchNorm(String name, String in, double eps, double gammaScale) {
        int c = channels(in);
        Moments m = moments.get(in);
        double sd = Math.sqrt(m.var());
        float[] gamma = new float[c], beta = new float[c], mean = new float[c], var = new float[c];
        for (int i = 0; i < c; i++) {
            gamma[i] = (float) (gammaScale * (0.75 + 0.5 * rng.nextDouble()));
            beta[i] = (float) (0.1 * rng.nextGaussian());
            mean[i] = (float) (m.mean() + 0.1 * sd * rng.nextGaussian());
            var[i] = (float) (m.var() * Math.exp(0.2 * rng.nextGaussian()));
        }
        BatchNorm2d bn = new BatchNorm2d(vector(gamma), vector(beta), vector(mean), vector(var), eps);
        return add(name, bn, c, new Moments(0, gammaScale * gammaScale), in);
    }

    String relu(String name, String in) {
        return add(name, new ReLU(), channels(in), rectified(moments.get(in)), in);
    }

    /** ReLU6 = Clip(0, 6); its inputs here have variance near 1, so 6 is rarely reached: moments as for ReLU. */
    String relu6(String name, String in) {
        return add(name, Clip.relu6(), channels(in), rectified(moments.get(in)), in);
    }

    String sum(String name, String a, String b) {
        Moments p = moments.get(a), q = moments.get(b);
        return add(name, new org.xai4j.layers.Add(), channels(a), new Moments(p.mean() + q.mean(), p.var() + q.var()), a, b);
    }

    /** A 3x3 max pool: the maximum of 9 draws of N(m, s^2) has mean m + 1.485 s and variance 0.37 s^2. */
    String maxPool3x3(String name, Layer<?> layer, String in) {
        Moments m = moments.get(in);
        double sd = Math.sqrt(m.var());
        return add(name, layer, channels(in), new Moments(m.mean() + 1.485 * sd, 0.37 * m.var()), in);
    }

    /** A layer that keeps the channel count and the moments (padding, global pooling of the mean). */
    String keep(String name, Layer<?> layer, String in) {
        return add(name, layer, channels(in), moments.get(in), in);
    }

    /** A layer with new channel count {@code c} and the same moments (flatten). */
    String reshape(String name, Layer<?> layer, int c, String in) {
        return add(name, layer, c, moments.get(in), in);
    }

    /** Moments of max(z, 0) for z ~ N(m, s^2): with t = m / s, E = m Phi(t) + s phi(t), E2 = (m^2 + s^2) Phi(t) + m s phi(t). */
    static Moments rectified(Moments z) {
        double s = Math.sqrt(z.var()), m = z.mean();
        double t = m / s;
        double pdf = Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
        double cdf = 0.5 * (1 + erf(t / Math.sqrt(2)));
        double mean = m * cdf + s * pdf;
        double second = z.second() * cdf + m * s * pdf;
        return new Moments(mean, Math.max(second - mean * mean, 1e-12));
    }

    /** Abramowitz and Stegun 7.1.26, |error| < 1.5e-7: plenty for a moment estimate. */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    /** Fully connected classifier [N, C] -> [N, K], weight ~ N(0, 1 / C), bias ~ N(0, 0.01). */
    String linear(String name, String in, int k) {
        int c = channels(in);
        INDArray w = gaussian(1 / Math.sqrt(c), k, c);
        INDArray b = gaussian(0.01, k);
        return add(name, new org.xai4j.layers.Linear(w, b), k, new Moments(0, moments.get(in).second()), in);
    }

    /** A 1x1 convolution with bias as a classifier (Keras MobileNet's conv_preds). */
    String convClassifier(String name, String in, int k) {
        int c = channels(in);
        INDArray w = gaussian(1 / Math.sqrt(c), k, c, 1, 1);
        INDArray b = gaussian(0.01, k);
        return add(name, new Conv2d(w, b, ConvSpec.DEFAULT), k, new Moments(0, moments.get(in).second()), in);
    }

    void alias(String alias, String target) {
        aliases.put(alias, target);
    }

    Graph build(String output) {
        return new Graph(List.of(Graph.Input.of(INPUT, -1, 3, 224, 224)), nodes, List.of(output), aliases);
    }

    private INDArray gaussian(double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * rng.nextGaussian());
        }
        return Nd4j.create(v, shape, 'c');
    }

    private static INDArray vector(float[] v) {
        return Nd4j.create(v, new long[] {v.length}, DataType.FLOAT);
    }
}
