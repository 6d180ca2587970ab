package org.xai4j.train;

import java.util.ArrayList;
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
import org.xai4j.layers.Add;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Linear;
import org.xai4j.layers.ReLU;

/**
 * The small ResNet of the bundled models, freshly initialised: a 3x3 stem of stride 2, three
 * stages of BasicBlocks (He et al., CVPR 2016; widths 16/32/64 as in its CIFAR networks, sec.
 * 4.2), global average pooling and one linear layer, so that CAM applies to the last block.
 *
 * <pre>
 * input [N,3,S,S] -> conv1 3x3/2 -> bn1 -> relu                         [N,16,S/2,S/2]
 *   -> layer1 (16, stride 1) -> layer2 (32, stride 2) -> layer3 (64, stride 2)   [N,64,S/8,S/8]
 *   -> avgpool [N,64,1,1] -> flatten [N,64] -> fc [N,K] (logits)
 * </pre>
 * With one block per stage at S = 64 that is 78k parameters (K = 6) and about 30 MFLOP per
 * image forward. Node names follow torchvision's ResNet ({@code conv1, bn1, layer1.0.conv1, ...,
 * layer3.0.relu_1, avgpool, fc}); aliases {@code layer1..layer3} name each stage's output (layer3:
 * the last feature maps, which feed global pooling) and {@code logits} the classifier.
 *
 * <p>Initialisation as torchvision's: convolutions He-normal with fan-out ({@code std = sqrt(2 /
 * (K R S))}, He et al., ICCV 2015), batch norms gamma 1, beta 0, running mean 0, variance 1; the
 * linear layer PyTorch's default {@code U(-1/sqrt(C), 1/sqrt(C))} for weight and bias. Seeded
 * with {@code java.util.Random}, float32.
 */
public final class SmallResNet {
    private static final double EPS = 1e-5;

    private final Random rng;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();

    private SmallResNet(long seed) {
        rng = new Random(seed);
    }

    /** Widths 16/32/64, one block per stage, for {@code size x size} RGB input and {@code classes} classes. */
    public static Graph build(long seed, int size, int classes) {
        return build(seed, size, classes, new int[] {16, 32, 64}, new int[] {1, 1, 1});
    }

    /** Stage widths and blocks per stage of your choice; each stage after the first halves the map. */
    public static Graph build(long seed, int size, int classes, int[] widths, int[] blocks) {
        if (widths.length != blocks.length || widths.length == 0) {
            throw new IllegalArgumentException("one block count per stage width, at least one stage");
        }
        if (size < 1 << widths.length || classes < 2) {
            throw new IllegalArgumentException("size " + size + ", classes " + classes + "; accepted: size >= "
                    + (1 << widths.length) + ", classes >= 2");
        }
        SmallResNet b = new SmallResNet(seed);
        String x = b.conv("conv1", "input", 3, widths[0], 3, 2);
        x = b.batchNorm("bn1", x, widths[0]);
        x = b.add("relu", new ReLU(), x);
        int c = widths[0];
        for (int stage = 0; stage < widths.length; stage++) {
            for (int i = 0; i < blocks[stage]; i++) {
                String name = "layer" + (stage + 1) + "." + i;
                x = b.basicBlock(name, x, c, widths[stage], stage > 0 && i == 0 ? 2 : 1);
                c = widths[stage];
                b.aliases.put(name, x);
            }
            b.aliases.put("layer" + (stage + 1), x);
        }
        x = b.add("avgpool", new GlobalAvgPool(), x);
        x = b.add("flatten", new Flatten(1), x);
        double bound = 1 / Math.sqrt(c);
        x = b.add("fc", new Linear(b.uniform(bound, classes, c), b.uniform(bound, classes)), x);
        b.aliases.put("logits", x);
        return new Graph(List.of(Graph.Input.of("input", -1, 3, size, size)), b.nodes, List.of(x), b.aliases);
    }

    /** conv3x3 (stride) -> bn -> relu -> conv3x3 -> bn, plus the shortcut, then relu. */
    private String basicBlock(String name, String in, int c, int k, int stride) {
        String x = conv(name + ".conv1", in, c, k, 3, stride);
        x = batchNorm(name + ".bn1", x, k);
        x = add(name + ".relu", new ReLU(), x);
        x = conv(name + ".conv2", x, k, k, 3, 1);
        x = batchNorm(name + ".bn2", x, k);
        String shortcut = in;
        if (stride != 1 || c != k) {
            shortcut = conv(name + ".downsample.0", in, c, k, 1, stride);
            shortcut = batchNorm(name + ".downsample.1", shortcut, k);
        }
        x = add(name + ".add", new Add(), x, shortcut);
        return add(name + ".relu_1", new ReLU(), x);
    }

    private String conv(String name, String in, int c, int k, int r, int stride) {
        INDArray w = gaussian(Math.sqrt(2.0 / (k * r * r)), k, c, r, r);
        return add(name, new Conv2d(w, null, ConvSpec.DEFAULT.withStride(stride).withPadding(r / 2)), in);
    }

    private String batchNorm(String name, String in, int c) {
        return add(name, new BatchNorm2d(Nd4j.ones(DataType.FLOAT, c), Nd4j.zeros(DataType.FLOAT, c),
                Nd4j.zeros(DataType.FLOAT, c), Nd4j.ones(DataType.FLOAT, c), EPS), in);
    }

    private String add(String name, Layer<?> layer, String... inputs) {
        nodes.add(Node.of(name, layer, inputs));
        return name;
    }

    private INDArray gaussian(double std, long... shape) {
        float[] v = new float[Math.toIntExact(count(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * rng.nextGaussian());
        }
        return Nd4j.create(v, shape, 'c');
    }

    private INDArray uniform(double bound, long... shape) {
        float[] v = new float[Math.toIntExact(count(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (bound * (2 * rng.nextDouble() - 1));
        }
        return Nd4j.create(v, shape, 'c');
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
