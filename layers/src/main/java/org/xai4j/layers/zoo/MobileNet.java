package org.xai4j.layers.zoo;

import org.xai4j.engine.Graph;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Padding;

/**
 * MobileNet v1 (Howard et al., 2017) as Keras applications builds it and MobileNet v2
 * (Sandler et al., CVPR 2018) as torchvision builds it, with seeded random weights: input
 * [N, 3, 224, 224], output the 1000 logits before softmax. Both use ReLU6 (Clip(0, 6)).
 *
 * <p>v1 node names are Keras layer names ({@code conv1, conv1_bn, conv1_relu, conv_pad_2,
 * conv_dw_2, conv_dw_2_bn, conv_dw_2_relu, conv_pw_2, ..., conv_pw_13_relu,
 * global_average_pooling2d, conv_preds, reshape_2}); v2 node names are torchvision module paths
 * ({@code features.0.0, features.0.1, features.0.2, features.1.conv.0.0, ..., features.18.2,
 * avgpool, flatten, classifier.1}) and the residual sums are {@code features.i.add}. Aliases:
 * {@code features.i} is block i's output, {@code features} the last feature map, {@code logits}
 * the classifier.
 *
 * <p>The graph holds the reference layers, batch norms as separate nodes;
 * {@code Specialization.apply(BatchNormFolding.fold(graph))} is the inference graph an imported
 * model runs, each batch norm folded into the convolution before it and the faster layers in place.
 */
public final class MobileNet {
    private MobileNet() {}

    /** Keras MobileNet v1: 4,231,976 trainable parameters at width 1.0 (batch-norm scale and shift included). */
    public static Graph v1(long seed, double widthMultiplier) {
        if (!(widthMultiplier > 0)) {
            throw new IllegalArgumentException("MobileNet v1 width multiplier must be > 0, got " + widthMultiplier);
        }
        // Keras's batch-norm epsilon is 1e-3, PyTorch's 1e-5.
        double eps = 1e-3;
        NetBuilder b = new NetBuilder(seed);
        int[][] blocks = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},
            {512, 1}, {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
        String x = b.conv("conv1", NetBuilder.INPUT, (int) (32 * widthMultiplier), 3,
                ConvSpec.DEFAULT.withStride(2).withPadding(Padding.SAME_UPPER));
        x = b.batchNorm("conv1_bn", x, eps, 1);
        x = b.relu6("conv1_relu", x);
        for (int i = 0; i < blocks.length; i++) {
            String id = Integer.toString(i + 1);
            int stride = blocks[i][1];
            ConvSpec dw = ConvSpec.DEFAULT.withGroups(b.channels(x));
            if (stride == 2) {
                // Keras pads bottom and right by one, then convolves without padding.
                x = b.keep("conv_pad_" + id, new Pad(new long[] {0, 0, 0, 0, 0, 0, 1, 1}, 0), x);
                dw = dw.withStride(2);
            } else {
                dw = dw.withPadding(1);
            }
            x = b.conv("conv_dw_" + id, x, b.channels(x), 3, dw);
            x = b.batchNorm("conv_dw_" + id + "_bn", x, eps, 1);
            x = b.relu6("conv_dw_" + id + "_relu", x);
            x = b.conv("conv_pw_" + id, x, (int) (blocks[i][0] * widthMultiplier), 1, ConvSpec.DEFAULT);
            x = b.batchNorm("conv_pw_" + id + "_bn", x, eps, 1);
            x = b.relu6("conv_pw_" + id + "_relu", x);
        }
        b.alias("features", x);
        x = b.keep("global_average_pooling2d", new GlobalAvgPool(), x);
        x = b.convClassifier("conv_preds", x, 1000);
        x = b.reshape("reshape_2", new Flatten(1), 1000, x);
        b.alias("logits", x);
        return b.build(x);
    }

    /** torchvision mobilenet_v2 at width 1.0: 3,504,872 parameters. */
    public static Graph v2(long seed) {
        double eps = 1e-5;
        NetBuilder b = new NetBuilder(seed);
        // t (expansion), c (output channels), n (repeats), s (stride of the first repeat)
        int[][] settings = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
            {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        String x = convBnRelu6(b, "features.0", NetBuilder.INPUT, 32, 3, ConvSpec.DEFAULT.withStride(2).withPadding(1), eps);
        b.alias("features.0", x);
        int block = 1;
        for (int[] s : settings) {
            for (int i = 0; i < s[2]; i++) {
                x = invertedResidual(b, "features." + block, x, s[1], i == 0 ? s[3] : 1, s[0], eps);
                b.alias("features." + block, x);
                block++;
            }
        }
        x = convBnRelu6(b, "features.18", x, 1280, 1, ConvSpec.DEFAULT, eps);
        b.alias("features.18", x);
        b.alias("features", x);
        x = b.keep("avgpool", new GlobalAvgPool(), x);
        x = b.reshape("flatten", new Flatten(1), b.channels(x), x);
        x = b.linear("classifier.1", x, 1000);
        b.alias("logits", x);
        return b.build(x);
    }

    /** torchvision's Conv2dNormActivation: {@code name.0} conv, {@code name.1} batch norm, {@code name.2} ReLU6. */
    private static String convBnRelu6(NetBuilder b, String name, String in, int k, int r, ConvSpec spec, double eps) {
        String x = b.conv(name + ".0", in, k, r, spec);
        x = b.batchNorm(name + ".1", x, eps, 1);
        return b.relu6(name + ".2", x);
    }

    /**
     * Expand (1x1, t times the channels; skipped when t = 1), depthwise 3x3 with the stride,
     * project (1x1, linear: no activation), and a residual sum when the shape is unchanged.
     */
    private static String invertedResidual(NetBuilder b, String name, String in, int k, int stride, int t, double eps) {
        int hidden = b.channels(in) * t;
        String x = in;
        int step = 0;
        if (t != 1) {
            x = convBnRelu6(b, name + ".conv." + step++, x, hidden, 1, ConvSpec.DEFAULT, eps);
        }
        x = convBnRelu6(b, name + ".conv." + step++, x, hidden, 3,
                ConvSpec.DEFAULT.withStride(stride).withPadding(1).withGroups(hidden), eps);
        x = b.conv(name + ".conv." + step++, x, k, 1, ConvSpec.DEFAULT);
        boolean residual = stride == 1 && b.channels(in) == k;
        // A residual branch starts at half scale so that sums stay moderate along a stage.
        x = b.batchNorm(name + ".conv." + step, x, eps, residual ? 0.5 : 1);
        return residual ? b.sum(name + ".add", x, in) : x;
    }
}
