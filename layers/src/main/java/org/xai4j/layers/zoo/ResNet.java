package org.xai4j.layers.zoo;

import org.xai4j.engine.Graph;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.PoolSpec;

/**
 * ResNet-18 and ResNet-50 (He et al., "Deep Residual Learning for Image Recognition", CVPR
 * 2016) as torchvision builds them (v1.5: the stride of a bottleneck sits on its 3x3
 * convolution), with seeded random weights: input [N, 3, 224, 224], output the 1000 logits
 * before softmax.
 *
 * <p>Node names are torchvision's module paths: {@code conv1, bn1, relu, maxpool,
 * layer1.0.conv1, layer1.0.bn1, ..., layer1.0.downsample.0, avgpool, fc}. Functional steps get
 * the names torch.fx gives them: the residual sum {@code layer1.0.add} and the block's last ReLU
 * {@code layer1.0.relu_1} (BasicBlock) or {@code layer1.0.relu_2} (Bottleneck). Aliases name
 * block outputs the way Grad-CAM users do: {@code layer1.0} is that last ReLU, {@code layer4}
 * the last block of layer4, and {@code logits} is {@code fc}.
 *
 * <p>The graph holds the reference layers, batch norms as separate nodes;
 * {@code Specialization.apply(BatchNormFolding.fold(graph))} is the inference graph an imported
 * model runs, each batch norm folded into the convolution before it and the faster layers in place.
 */
public final class ResNet {
    private static final double EPS = 1e-5;

    private ResNet() {}

    /** ResNet-18: BasicBlocks [2, 2, 2, 2]; 11,689,512 parameters as torchvision counts them. */
    public static Graph resnet18(long seed) {
        return build(seed, new int[] {2, 2, 2, 2}, false);
    }

    /** ResNet-50: Bottlenecks [3, 4, 6, 3]; 25,557,032 parameters as torchvision counts them. */
    public static Graph resnet50(long seed) {
        return build(seed, new int[] {3, 4, 6, 3}, true);
    }

    private static Graph build(long seed, int[] blocks, boolean bottleneck) {
        NetBuilder b = new NetBuilder(seed);
        String x = b.conv("conv1", NetBuilder.INPUT, 64, 7, ConvSpec.DEFAULT.withStride(2).withPadding(3));
        x = b.batchNorm("bn1", x, EPS, 1);
        x = b.relu("relu", x);
        x = b.maxPool3x3("maxpool", new MaxPool2d(PoolSpec.of(3).withStride(2).withPadding(1)), x);
        for (int layer = 0; layer < 4; layer++) {
            int planes = 64 << layer;
            for (int i = 0; i < blocks[layer]; i++) {
                String name = "layer" + (layer + 1) + "." + i;
                int stride = layer > 0 && i == 0 ? 2 : 1;
                x = bottleneck ? bottleneck(b, name, x, planes, stride) : basicBlock(b, name, x, planes, stride);
                b.alias(name, x);
            }
            b.alias("layer" + (layer + 1), x);
        }
        x = b.reshape("avgpool", new GlobalAvgPool(), b.channels(x), x);
        x = b.reshape("flatten", new Flatten(1), b.channels(x), x);
        x = b.linear("fc", x, 1000);
        b.alias("logits", x);
        return b.build(x);
    }

    /**
     * Two 3x3 convolutions and a shortcut. The second batch norm starts at half scale so a
     * sum of unit-variance branches stays moderate across a stage.
     */
    private static String basicBlock(NetBuilder b, String name, String in, int planes, int stride) {
        String x = b.conv(name + ".conv1", in, planes, 3, ConvSpec.DEFAULT.withStride(stride).withPadding(1));
        x = b.batchNorm(name + ".bn1", x, EPS, 1);
        x = b.relu(name + ".relu", x);
        x = b.conv(name + ".conv2", x, planes, 3, ConvSpec.DEFAULT.withPadding(1));
        x = b.batchNorm(name + ".bn2", x, EPS, 0.5);
        String shortcut = shortcut(b, name, in, planes, stride);
        x = b.sum(name + ".add", x, shortcut);
        return b.relu(name + ".relu_1", x);
    }

    /** 1x1 reduce, 3x3 (carrying the stride), 1x1 expand to 4 * planes, and a shortcut. */
    private static String bottleneck(NetBuilder b, String name, String in, int planes, int stride) {
        String x = b.conv(name + ".conv1", in, planes, 1, ConvSpec.DEFAULT);
        x = b.batchNorm(name + ".bn1", x, EPS, 1);
        x = b.relu(name + ".relu", x);
        x = b.conv(name + ".conv2", x, planes, 3, ConvSpec.DEFAULT.withStride(stride).withPadding(1));
        x = b.batchNorm(name + ".bn2", x, EPS, 1);
        x = b.relu(name + ".relu_1", x);
        x = b.conv(name + ".conv3", x, 4 * planes, 1, ConvSpec.DEFAULT);
        x = b.batchNorm(name + ".bn3", x, EPS, 0.5);
        String shortcut = shortcut(b, name, in, 4 * planes, stride);
        x = b.sum(name + ".add", x, shortcut);
        return b.relu(name + ".relu_2", x);
    }

    /** The identity, or a strided 1x1 convolution and batch norm when the shape changes. */
    private static String shortcut(NetBuilder b, String name, String in, int k, int stride) {
        if (stride == 1 && b.channels(in) == k) {
            return in;
        }
        String x = b.conv(name + ".downsample.0", in, k, 1, ConvSpec.DEFAULT.withStride(stride));
        return b.batchNorm(name + ".downsample.1", x, EPS, 1);
    }
}
