package org.xai4j.importers.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Concat;
import org.xai4j.layers.Constant;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.GlobalMaxPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.LeakyReLU;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Mul;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Reshape;
import org.xai4j.layers.Sigmoid;
import org.xai4j.layers.Softmax;
import org.xai4j.layers.Tanh;

/**
 * Small seeded graphs that use every layer the exporter writes, with the settings drawn per seed:
 * asymmetric pads, strides, dilations, groups and depthwise convolutions, both "same" modes,
 * ceil mode, both average-pooling divisors, clips with one bound missing, a three-input Add,
 * broadcasting by a constant, negative pads and axes.
 */
final class ExportGraphs {
    private ExportGraphs() {}

    static final String INPUT = "input";

    static Graph everyLayer(long seed) {
        Random rng = new Random(seed);
        List<Node> nodes = new ArrayList<>();
        int size = 13 + rng.nextInt(6);
        // conv: 3 -> 8, asymmetric explicit pads, stride and dilation drawn
        int s1 = 1 + rng.nextInt(2);
        ConvSpec c1 = ConvSpec.DEFAULT.withStride(s1, 1 + rng.nextInt(2)).withDilation(1 + rng.nextInt(2), 1)
                .withPadding(rng.nextInt(3), rng.nextInt(3), rng.nextInt(3), rng.nextInt(3));
        add(nodes, "conv1", new Conv2d(gaussian(rng, 0.4, 8, 3, 3, 3), gaussian(rng, 0.1, 8), c1), INPUT);
        add(nodes, "bn1", batchNorm(rng, 8), "conv1");
        add(nodes, "lrelu", new LeakyReLU(0.01 + 0.3 * rng.nextDouble()), "bn1");
        // grouped, dilated, "same" padding; depthwise, the other "same" mode
        add(nodes, "gconv", new Conv2d(gaussian(rng, 0.3, 8, 4, 3, 3), null,
                ConvSpec.DEFAULT.withGroups(2).withDilation(1 + rng.nextInt(2)).withPadding(Padding.SAME_UPPER)), "lrelu");
        add(nodes, "dwconv", new Conv2d(gaussian(rng, 0.3, 8, 1, 3, 3), gaussian(rng, 0.1, 8),
                ConvSpec.DEFAULT.withGroups(8).withPadding(rng.nextBoolean() ? Padding.SAME_LOWER : Padding.SAME_UPPER)), "gconv");
        add(nodes, "relu", new ReLU(), "dwconv");
        add(nodes, "residual", new Add(), "relu", "lrelu");
        add(nodes, "scale", new Constant(gaussian(rng, 1, 1, 8, 1, 1)), new String[0]);
        add(nodes, "scaled", new Mul(), "residual", "scale");
        add(nodes, "clip", new Clip(-0.5 * rng.nextDouble(), 1 + rng.nextDouble()), "scaled");
        add(nodes, "sigmoid", new Sigmoid(), "scaled");
        add(nodes, "tanh", new Tanh(), "scaled");
        add(nodes, "sum3", new Add(), "clip", "sigmoid", "tanh");
        add(nodes, "pad", new Pad(new long[] {0, 0, rng.nextInt(3), rng.nextInt(3), 0, 0, rng.nextInt(3), rng.nextInt(3)},
                rng.nextDouble() - 0.5), "sum3");
        add(nodes, "crop", new Pad(new long[] {0, 0, -1, 0, 0, 0, 0, -1}, 0), "pad");
        // twin windows, so that max and average pooling concatenate
        PoolSpec window = rng.nextBoolean()
                ? PoolSpec.of(3).withStride(2).withPadding(1, 0, 1, 1).withCeilMode(rng.nextBoolean())
                : PoolSpec.of(2 + rng.nextInt(2)).withStride(2).withPadding(Padding.SAME_UPPER);
        add(nodes, "maxpool", new MaxPool2d(window), "crop");
        add(nodes, "avgpool", new AvgPool2d(window, rng.nextBoolean()), "crop");
        add(nodes, "concat", new Concat(1), "maxpool", "avgpool");
        add(nodes, "relu6", Clip.relu6(), "concat");
        add(nodes, "gap", new GlobalAvgPool(), "relu6");
        add(nodes, "dilated_maxpool", new MaxPool2d(PoolSpec.of(2).withStride(1).withDilation(2, 2)), "crop");
        add(nodes, "gmp", new GlobalMaxPool(), "dilated_maxpool");
        add(nodes, "pooled", new Concat(-3), "gap", "gmp");
        add(nodes, "flatten", new Flatten(1), "pooled");
        add(nodes, "fc1", new Linear(gaussian(rng, 0.3, 12, 24), gaussian(rng, 0.1, 12)), "flatten");
        add(nodes, "below2", new Clip(Double.NEGATIVE_INFINITY, 2), "fc1");
        add(nodes, "groups", new Reshape(new long[] {0, 3, -1}), "below2");
        add(nodes, "group_softmax", new Softmax(-1), "groups");
        add(nodes, "flat", new Reshape(new long[] {0, -1}), "group_softmax");
        add(nodes, "identity", new Identity(), "flat");
        add(nodes, "above", new Clip(0.01, Double.POSITIVE_INFINITY), "identity");
        add(nodes, "logits", new Linear(gaussian(rng, 1, 5, 12), null), "above");
        add(nodes, "probabilities", new Softmax(1), "logits");
        return new Graph(List.of(Graph.Input.of(INPUT, -1, 3, size, size)), nodes, List.of("logits", "probabilities"));
    }

    /**
     * A graph whose input has a free height and width: its "same" windows can only be written as
     * {@code auto_pad}, computed by the runtime for each input size.
     */
    static Graph freeSize(long seed) {
        Random rng = new Random(seed);
        List<Node> nodes = new ArrayList<>();
        add(nodes, "stem", new Conv2d(gaussian(rng, 0.4, 8, 3, 3, 3), gaussian(rng, 0.1, 8),
                ConvSpec.DEFAULT.withStride(2).withPadding(Padding.SAME_UPPER)), INPUT);
        add(nodes, "stem_relu", new ReLU(), "stem");
        add(nodes, "dw", new Conv2d(gaussian(rng, 0.4, 8, 1, 4, 4), null,
                ConvSpec.DEFAULT.withGroups(8).withPadding(Padding.SAME_LOWER)), "stem_relu");
        add(nodes, "max", new MaxPool2d(PoolSpec.of(3).withStride(2).withPadding(Padding.SAME_UPPER)), "dw");
        add(nodes, "avg", new AvgPool2d(PoolSpec.of(2).withStride(2, 1).withPadding(Padding.SAME_LOWER), false), "max");
        add(nodes, "gap", new GlobalAvgPool(), "avg");
        add(nodes, "flatten", new Flatten(1), "gap");
        add(nodes, "logits", new Linear(gaussian(rng, 0.5, 4, 8), gaussian(rng, 0.1, 4)), "flatten");
        return new Graph(List.of(Graph.Input.of(INPUT, -1, 3, -1, -1)), nodes, List.of("logits"));
    }

    private static void add(List<Node> nodes, String name, Layer<?> layer, String... inputs) {
        nodes.add(Node.of(name, layer, inputs));
    }

    private static BatchNorm2d batchNorm(Random rng, int c) {
        float[] var = new float[c];
        for (int i = 0; i < c; i++) {
            var[i] = (float) (0.5 + rng.nextDouble());
        }
        return new BatchNorm2d(gaussian(rng, 0.2, c).addi(1), gaussian(rng, 0.1, c), gaussian(rng, 0.1, c), Nd4j.create(var, new long[] {c}, 'c'), 1e-5);
    }

    static INDArray gaussian(Random rng, double std, long... shape) {
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
}
