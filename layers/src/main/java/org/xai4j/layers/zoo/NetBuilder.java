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
 * the expected second moment {@code q = E[v^2]} of its elements, from which the batch-norm
 * statistics are chosen.
 *
 * <p>Why the moments: with random weights and a random image, a network whose batch norms hold
 * mean 0, variance 1 is not normalised at all; activations then grow or shrink by a constant
 * factor per layer. Here a convolution with He (fan-in) weights maps {@code q} to
 * {@code 2 q} (He et al., ICCV 2015, eq. 7 with Var w = 2 / fan_in), each batch norm's running
 * variance is that prediction, so its output has second moment about {@code gamma^2}, a ReLU
 * halves it, a sum adds it. Residual stacks then grow at most linearly with depth, never
 * exponentially. The statistics are jittered (seeded) so that folding them into the
 * convolutions is a non-trivial transformation.
 */
final class NetBuilder {
    static final String INPUT = "input";

    private final Random rng;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final Map<String, Integer> channels = new HashMap<>();
    private final Map<String, Double> moment = new HashMap<>();

    NetBuilder(long seed) {
        rng = new Random(seed);
        channels.put(INPUT, 3);
        moment.put(INPUT, 1.0);
    }

    int channels(String value) {
        return channels.get(value);
    }

    private String add(String name, Layer<?> layer, int c, double q, String... inputs) {
        nodes.add(Node.of(name, layer, inputs));
        channels.put(name, c);
        moment.put(name, q);
        return name;
    }

    /** A convolution without bias: weight [K, C/groups, R, R] ~ N(0, 2 / fan_in). */
    String conv(String name, String in, int k, int r, ConvSpec spec) {
        int c = channels(in);
        int fanIn = c / spec.groups() * r * r;
        INDArray w = gaussian(Math.sqrt(2.0 / fanIn), k, c / spec.groups(), r, r);
        return add(name, new Conv2d(w, null, spec), k, 2 * moment.get(in), in);
    }

    /** Inference batch norm whose running variance is the predicted variance of its input. */
    String batchNorm(String name, String in, double eps, double gammaScale) {
        int c = channels(in);
        double q = moment.get(in);
        float[] gamma = new float[c], beta = new float[c], mean = new float[c], var = new float[c];
        for (int i = 0; i < c; i++) {
            gamma[i] = (float) (gammaScale * (0.75 + 0.5 * rng.nextDouble()));
            beta[i] = (float) (0.1 * rng.nextGaussian());
            mean[i] = (float) (0.1 * Math.sqrt(q) * rng.nextGaussian());
            var[i] = (float) (q * Math.exp(0.2 * rng.nextGaussian()));
        }
        BatchNorm2d bn = new BatchNorm2d(vector(gamma), vector(beta), vector(mean), vector(var), eps);
        return add(name, bn, c, gammaScale * gammaScale + 0.01, in);
    }

    String relu(String name, String in) {
        return add(name, new ReLU(), channels(in), moment.get(in) / 2, in);
    }

    /** ReLU6 = Clip(0, 6); with q near 1 the upper bound is rarely reached, so q halves as for ReLU. */
    String relu6(String name, String in) {
        return add(name, Clip.relu6(), channels(in), moment.get(in) / 2, in);
    }

    String sum(String name, String a, String b) {
        return add(name, new org.xai4j.layers.Add(), channels(a), moment.get(a) + moment.get(b), a, b);
    }

    /** Any other layer that keeps the channel count and, roughly, the second moment. */
    String keep(String name, Layer<?> layer, String in) {
        return add(name, layer, channels(in), moment.get(in), in);
    }

    /** A layer with new channel count {@code c} (pooling heads, flatten). */
    String reshape(String name, Layer<?> layer, int c, String in) {
        return add(name, layer, c, moment.get(in), in);
    }

    /** Fully connected classifier [N, C] -> [N, K], weight ~ N(0, 1 / C), bias ~ N(0, 0.01). */
    String linear(String name, String in, int k) {
        int c = channels(in);
        INDArray w = gaussian(1 / Math.sqrt(c), k, c);
        INDArray b = gaussian(0.01, k);
        return add(name, new org.xai4j.layers.Linear(w, b), k, moment.get(in), in);
    }

    /** A 1x1 convolution with bias as a classifier (Keras MobileNet's conv_preds). */
    String convClassifier(String name, String in, int k) {
        int c = channels(in);
        INDArray w = gaussian(1 / Math.sqrt(c), k, c, 1, 1);
        INDArray b = gaussian(0.01, k);
        return add(name, new Conv2d(w, b, ConvSpec.DEFAULT), k, moment.get(in), in);
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
