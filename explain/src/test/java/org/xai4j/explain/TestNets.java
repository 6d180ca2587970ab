package org.xai4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Softmax;
import org.xai4j.layers.Tanh;

/**
 * Small networks built in code with seeded weights, in double precision so that invariants can
 * be checked to ~1e-12. Test-only.
 */
final class TestNets {
    private TestNets() {}

    /** U(-scale, scale) from a seeded generator. */
    static INDArray uniform(SplittableRandom rng, double scale, DataType type, long... shape) {
        double[] v = new double[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * (2 * rng.nextDouble() - 1);
        }
        return Nd4j.create(v, shape, type);
    }

    static INDArray uniform(long seed, double scale, long... shape) {
        return uniform(new SplittableRandom(seed), scale, DataType.DOUBLE, shape);
    }

    /** x [N, D] -> "logits" = x W^T + b, optionally followed by "probs" = softmax. */
    static Graph linear(INDArray W, INDArray b, boolean softmax) {
        List<Node> nodes = new ArrayList<>(List.of(Node.of("logits", new Linear(W, b), "input")));
        if (softmax) {
            nodes.add(Node.of("probs", new Softmax(1), "logits"));
        }
        return new Graph(List.of(Graph.Input.of("input", -1, W.size(1))), nodes, List.of(softmax ? "probs" : "logits"));
    }

    /**
     * x [N, d] -> "fc1" -> "relu1" (ReLU) -> "fc2" -> "relu6" (Clip(0, 6)) -> "logits" [N, k].
     * Weights are large enough that some ReLU6 units saturate at 6.
     */
    static Graph mlp(long seed, int d, int h, int k) {
        SplittableRandom rng = new SplittableRandom(seed);
        DataType t = DataType.DOUBLE;
        return new Graph(List.of(Graph.Input.of("input", -1, d)), List.of(
                Node.of("fc1", new Linear(uniform(rng, 2.0, t, h, d), uniform(rng, 1.0, t, h)), "input"),
                Node.of("relu1", new ReLU(), "fc1"),
                Node.of("fc2", new Linear(uniform(rng, 2.0, t, h, h), uniform(rng, 1.0, t, h)), "relu1"),
                Node.of("relu6", Clip.relu6(), "fc2"),
                Node.of("logits", new Linear(uniform(rng, 1.0, t, k, h), uniform(rng, 0.1, t, k)), "relu6")),
                List.of("logits"));
    }

    /** A smooth network: x [N, d] -> "fc1" -> "tanh" -> "logits". */
    static Graph smooth(long seed, int d, int h, int k) {
        SplittableRandom rng = new SplittableRandom(seed);
        DataType t = DataType.DOUBLE;
        return new Graph(List.of(Graph.Input.of("input", -1, d)), List.of(
                Node.of("fc1", new Linear(uniform(rng, 1.0, t, h, d), uniform(rng, 0.5, t, h)), "input"),
                Node.of("tanh", new Tanh(), "fc1"),
                Node.of("logits", new Linear(uniform(rng, 1.0, t, k, h), uniform(rng, 0.1, t, k)), "tanh")),
                List.of("logits"));
    }

    /**
     * A miniature ResNet on x [N, 3, 12, 12] (like the oracle's tiny model):
     * <pre>
     *   conv1 3x3 (3->4) - bn1 - relu1 - pool (max 2x2)                          [N, 4, 6, 6]
     *   block: conv2 - bn2 - relu2 (ReLU6) - conv3 - bn3, add identity, "block" ReLU
     *   conv4 3x3 (4->6) - "features" ReLU                                       [N, 6, 6, 6]
     *   gap - flat - "logits" Linear(6 -> 5)
     * </pre>
     */
    static Graph cnn(long seed, DataType t) {
        SplittableRandom rng = new SplittableRandom(seed);
        ConvSpec same = ConvSpec.DEFAULT.withPadding(1);
        return new Graph(List.of(Graph.Input.of("input", -1, 3, 12, 12)), List.of(
                Node.of("conv1", new Conv2d(uniform(rng, 0.4, t, 4, 3, 3, 3), null, same), "input"),
                Node.of("bn1", batchNorm(rng, 4, t), "conv1"),
                Node.of("relu1", new ReLU(), "bn1"),
                Node.of("pool", new MaxPool2d(PoolSpec.of(2)), "relu1"),
                Node.of("conv2", new Conv2d(uniform(rng, 0.5, t, 4, 4, 3, 3), uniform(rng, 0.1, t, 4), same), "pool"),
                Node.of("bn2", batchNorm(rng, 4, t), "conv2"),
                Node.of("relu2", Clip.relu6(), "bn2"),
                Node.of("conv3", new Conv2d(uniform(rng, 0.5, t, 4, 4, 3, 3), null, same), "relu2"),
                Node.of("bn3", batchNorm(rng, 4, t), "conv3"),
                Node.of("add", new Add(), "bn3", "pool"),
                Node.of("block", new ReLU(), "add"),
                Node.of("conv4", new Conv2d(uniform(rng, 0.5, t, 6, 4, 3, 3), uniform(rng, 0.1, t, 6), same), "block"),
                Node.of("features", new ReLU(), "conv4"),
                Node.of("gap", new GlobalAvgPool(), "features"),
                Node.of("flat", new Flatten(1), "gap"),
                Node.of("logits", new Linear(uniform(rng, 1.0, t, 5, 6), uniform(rng, 0.1, t, 5)), "flat")),
                List.of("logits"));
    }

    private static BatchNorm2d batchNorm(SplittableRandom rng, int c, DataType t) {
        INDArray gamma = uniform(rng, 0.5, t, c).addi(1);
        INDArray beta = uniform(rng, 0.2, t, c);
        INDArray mean = uniform(rng, 0.2, t, c);
        INDArray var = uniform(rng, 0.5, t, c).addi(1);
        return new BatchNorm2d(gamma, beta, mean, var, 1e-5);
    }

    /** A seeded standard-normal input. */
    static INDArray input(long seed, DataType t, long... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return Nd4j.create(v, shape, t);
    }
}
