package org.xai4j.importers.keras;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.engine.Layer;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Concat;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.GlobalMaxPool;
import org.xai4j.layers.LeakyReLU;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Reshape;
import org.xai4j.layers.Sigmoid;
import org.xai4j.layers.Softmax;
import org.xai4j.layers.Tanh;

/**
 * The Keras layers this importer understands, keyed by Keras's own class names; each entry turns
 * one call of a layer into graph nodes. Config keys keep their Keras names ({@code kernel_size},
 * {@code strides}, {@code padding}, {@code depth_multiplier}, ...).
 *
 * <p>A layer with a fused activation (Conv2D, Dense, ... with {@code activation != "linear"})
 * becomes two nodes: {@code <name>.preact} (the layer without its activation) and the activation
 * under the layer's own name, so the value before a softmax can always be found.
 */
final class KerasLayers {
    private KerasLayers() {}

    /** Converts one call of a Keras layer; returns the value the call produces. */
    @FunctionalInterface
    interface Converter {
        Value convert(KerasCall c);
    }

    /** Inference no-ops: their name becomes an alias of their input. */
    private static final List<String> IDENTITY = List.of("Dropout", "SpatialDropout1D", "SpatialDropout2D",
            "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization");

    static final Map<String, Converter> TABLE = table();

    private static Map<String, Converter> table() {
        Map<String, Converter> t = new TreeMap<>();
        t.put("Conv2D", KerasLayers::conv2d);
        t.put("Convolution2D", KerasLayers::conv2d);
        t.put("DepthwiseConv2D", KerasLayers::depthwiseConv2d);
        t.put("SeparableConv2D", KerasLayers::separableConv2d);
        t.put("SeparableConvolution2D", KerasLayers::separableConv2d);
        t.put("BatchNormalization", KerasLayers::batchNormalization);
        t.put("Activation", c -> activation(c, c.config().path("activation").asText("linear"), c.name(), c.input(0)));
        t.put("ReLU", KerasLayers::relu);
        t.put("LeakyReLU", c -> c.node(c.name(), new LeakyReLU(c.number("alpha", 0.3)), c.input(0).shape(), c.input(0)));
        t.put("ZeroPadding2D", KerasLayers::zeroPadding2d);
        t.put("MaxPooling2D", c -> pooling(c, false));
        t.put("MaxPool2D", c -> pooling(c, false));
        t.put("AveragePooling2D", c -> pooling(c, true));
        t.put("AvgPool2D", c -> pooling(c, true));
        t.put("GlobalAveragePooling2D", c -> globalPooling(c, new GlobalAvgPool()));
        t.put("GlobalAvgPool2D", c -> globalPooling(c, new GlobalAvgPool()));
        t.put("GlobalMaxPooling2D", c -> globalPooling(c, new GlobalMaxPool()));
        t.put("GlobalMaxPool2D", c -> globalPooling(c, new GlobalMaxPool()));
        t.put("Dense", KerasLayers::dense);
        t.put("Add", KerasLayers::add);
        t.put("Concatenate", KerasLayers::concatenate);
        t.put("Flatten", KerasLayers::flatten);
        t.put("Reshape", KerasLayers::reshape);
        for (String noop : IDENTITY) {
            t.put(noop, c -> c.alias(c.name(), c.input(0)));
        }
        return Map.copyOf(t);
    }

    /** Supported class names, for error messages. */
    static String supported() {
        return String.join(", ", new TreeMap<>(TABLE).keySet()) + ", InputLayer, and nested Sequential/Functional models";
    }

    // ---- convolutions ----

    private static Value conv2d(KerasCall c) {
        Value x = c.image(0);
        int[] k = c.pair("kernel_size", -1), s = c.pair("strides", 1), d = c.pair("dilation_rate", 1);
        int groups = c.integer("groups", 1);
        int filters = c.integer("filters", -1);
        INDArray kernel = c.weight("kernel", k[0], k[1], x.shape()[2] / groups, filters);
        INDArray bias = c.bool("use_bias", true) ? c.weight("bias", filters) : null;
        ConvSpec spec = ConvSpec.DEFAULT.withStride(s[0], s[1]).withDilation(d[0], d[1]).withGroups(groups)
                .withPadding(c.padding());
        return fused(c, new Conv2d(Layouts.convKernel(kernel), bias, spec), c.convShape(x, k, s, d, filters), x);
    }

    private static Value depthwiseConv2d(KerasCall c) {
        Value x = c.image(0);
        int[] k = c.pair("kernel_size", -1), s = c.pair("strides", 1), d = c.pair("dilation_rate", 1);
        int m = c.integer("depth_multiplier", 1);
        long channels = x.shape()[2];
        INDArray kernel = c.weight("depthwise_kernel", k[0], k[1], channels, m);
        INDArray bias = c.bool("use_bias", true) ? c.weight("bias", channels * m) : null;
        ConvSpec spec = ConvSpec.DEFAULT.withStride(s[0], s[1]).withDilation(d[0], d[1]).withGroups((int) channels)
                .withPadding(c.padding());
        return fused(c, new Conv2d(Layouts.depthwiseKernel(kernel), bias, spec), c.convShape(x, k, s, d, channels * m), x);
    }

    /** Depthwise then 1x1 pointwise: nodes {@code <name>.depthwise} and {@code <name>}. */
    private static Value separableConv2d(KerasCall c) {
        Value x = c.image(0);
        int[] k = c.pair("kernel_size", -1), s = c.pair("strides", 1), d = c.pair("dilation_rate", 1);
        int m = c.integer("depth_multiplier", 1);
        int filters = c.integer("filters", -1);
        long channels = x.shape()[2];
        INDArray depthwise = c.weight("depthwise_kernel", k[0], k[1], channels, m);
        INDArray pointwise = c.weight("pointwise_kernel", 1, 1, channels * m, filters);
        INDArray bias = c.bool("use_bias", true) ? c.weight("bias", filters) : null;
        ConvSpec spec = ConvSpec.DEFAULT.withStride(s[0], s[1]).withDilation(d[0], d[1]).withGroups((int) channels)
                .withPadding(c.padding());
        Value dw = c.node(c.name() + ".depthwise", new Conv2d(Layouts.depthwiseKernel(depthwise), null, spec),
                c.convShape(x, k, s, d, channels * m), x);
        long[] y = dw.shape().clone();
        y[2] = filters;
        return fused(c, new Conv2d(Layouts.convKernel(pointwise), bias, ConvSpec.DEFAULT), y, dw);
    }

    // ---- normalization and activations ----

    /**
     * Inference batch norm over the channel axis. Images map to BatchNorm2d directly (and are
     * later folded into the convolution before them); a [C] vector is viewed as [N, C, 1, 1].
     */
    private static Value batchNormalization(KerasCall c) {
        Value x = c.input(0);
        JsonNode axisNode = c.config().path("axis");
        int axis = axisNode.isArray() && axisNode.size() == 1 ? axisNode.get(0).asInt() : axisNode.asInt(-1);
        if (axisNode.isArray() && axisNode.size() != 1 || (axis != -1 && axis != x.rank())) {
            throw c.fail("normalizes over axis " + axisNode + "; supported: the channel axis (-1)");
        }
        long channels = x.shape()[x.rank() - 1];
        INDArray gamma = c.bool("scale", true) ? c.weight("gamma", channels) : Nd4j.ones(DataType.FLOAT, channels);
        INDArray beta = c.bool("center", true) ? c.weight("beta", channels) : Nd4j.zeros(DataType.FLOAT, channels);
        BatchNorm2d bn = new BatchNorm2d(gamma, beta, c.weight("moving_mean", channels), c.weight("moving_variance", channels),
                c.number("epsilon", 1e-3));
        if (x.isImage()) {
            return c.node(c.name(), bn, x.shape(), x);
        }
        if (x.rank() != 1 || x.flattenedFrom() != null) {
            throw c.fail("normalizes a " + x.describe() + " value; supported: images [H, W, C] and vectors [C]");
        }
        Value x4 = c.node(c.name() + ".4d", new Reshape(new long[] {0, channels, 1, 1}), new long[] {1, 1, channels}, x);
        Value y4 = c.node(c.name() + ".bn", bn, x4.shape(), x4);
        return c.node(c.name(), new Reshape(new long[] {0, channels}), x.shape(), y4);
    }

    /** A fused activation: the layer as {@code <name>.preact}, its activation as {@code <name>}. */
    private static Value fused(KerasCall c, Layer<?> layer, long[] shape, Value x) {
        String act = c.config().path("activation").asText("linear");
        if (act.equals("linear")) {
            return c.node(c.name(), layer, shape, x);
        }
        Value pre = c.node(c.name() + ".preact", layer, shape, x);
        return activation(c, act, c.name(), pre);
    }

    static Value activation(KerasCall c, String act, String name, Value x) {
        if (act.equals("linear")) {
            return c.alias(name, x);
        }
        return c.node(name, activationLayer(c, act, x.rank() + 1), x.shape(), x.flattenedFrom(), x);
    }

    private static Layer<?> activationLayer(KerasCall c, String act, int rank) {
        return switch (act) {
            case "relu" -> new ReLU();
            case "relu6" -> Clip.relu6();
            case "sigmoid" -> new Sigmoid();
            case "tanh" -> new Tanh();
            // Keras's softmax runs over the last axis, which is the channel axis of an image.
            case "softmax" -> new Softmax(Layouts.axis(-1, rank));
            default -> throw c.fail("has activation '" + act + "'; supported: linear, relu, relu6, sigmoid, softmax, tanh");
        };
    }

    /**
     * Keras ReLU(max_value, negative_slope, threshold). The settings Keras models use map to the
     * common layers (plain ReLU, ReLU6 as Clip(0, 6), leaky ReLU, leaky ReLU capped by Clip), so
     * explainers that treat ReLU-like nodes specially see the usual classes; only a non-zero
     * threshold needs {@link ThresholdReLU}.
     */
    private static Value relu(KerasCall c) {
        Value x = c.input(0);
        JsonNode maxNode = c.config().path("max_value");
        double max = maxNode.isNumber() ? maxNode.asDouble() : Double.POSITIVE_INFINITY;
        double slope = c.number("negative_slope", 0);
        double threshold = c.number("threshold", 0);
        if (!(max > 0) || slope < 0) {
            throw c.fail("has max_value " + maxNode + " and negative_slope " + slope + "; supported: max_value > 0, "
                    + "negative_slope >= 0");
        }
        if (threshold != 0) {
            return c.node(c.name(), new ThresholdReLU(max, slope, threshold), x.shape(), x.flattenedFrom(), x);
        }
        if (slope == 0) {
            Layer<?> layer = max == Double.POSITIVE_INFINITY ? new ReLU() : new Clip(0, max);
            return c.node(c.name(), layer, x.shape(), x.flattenedFrom(), x);
        }
        if (max == Double.POSITIVE_INFINITY) {
            return c.node(c.name(), new LeakyReLU(slope), x.shape(), x.flattenedFrom(), x);
        }
        Value leaky = c.node(c.name() + ".leaky", new LeakyReLU(slope), x.shape(), x.flattenedFrom(), x);
        return c.node(c.name(), new Clip(Double.NEGATIVE_INFINITY, max), x.shape(), x.flattenedFrom(), leaky);
    }

    // ---- padding and pooling ----

    private static Value zeroPadding2d(KerasCall c) {
        Value x = c.image(0);
        JsonNode p = c.config().path("padding");
        int top, bottom, left, right;
        if (p.isInt()) {
            top = bottom = left = right = p.asInt();
        } else if (p.isArray() && p.size() == 2 && p.get(0).isInt()) {
            top = bottom = p.get(0).asInt();
            left = right = p.get(1).asInt();
        } else if (p.isArray() && p.size() == 2 && p.get(0).size() == 2 && p.get(1).size() == 2) {
            top = p.get(0).get(0).asInt();
            bottom = p.get(0).get(1).asInt();
            left = p.get(1).get(0).asInt();
            right = p.get(1).get(1).asInt();
        } else {
            throw c.fail("has padding " + p + "; supported: an int, (h, w) or ((top, bottom), (left, right))");
        }
        long[] y = x.shape().clone();
        y[0] = y[0] < 0 ? -1 : y[0] + top + bottom;
        y[1] = y[1] < 0 ? -1 : y[1] + left + right;
        return c.node(c.name(), new Pad(Layouts.zeroPadding(top, bottom, left, right), 0), y, x);
    }

    private static Value pooling(KerasCall c, boolean average) {
        Value x = c.image(0);
        int[] k = c.pair("pool_size", 2);
        int[] s = c.config().path("strides").isNull() || c.config().path("strides").isMissingNode() ? k : c.pair("strides", 1);
        Padding padding = c.padding();
        PoolSpec spec = PoolSpec.of(k[0], k[1]).withStride(s[0], s[1]).withPadding(padding);
        // TensorFlow's "same" average pooling divides by the number of real pixels in the window.
        Layer<?> layer = average ? new AvgPool2d(spec, false) : new MaxPool2d(spec);
        return c.node(c.name(), layer, c.convShape(x, k, s, new int[] {1, 1}, x.shape()[2]), x);
    }

    /** Keras returns [C] (or [1, 1, C] with keepdims); the graph pools to [N, C, 1, 1] as {@code <name>.4d}. */
    private static Value globalPooling(KerasCall c, Layer<?> pool) {
        Value x = c.image(0);
        long channels = x.shape()[2];
        if (c.bool("keepdims", false)) {
            return c.node(c.name(), pool, new long[] {1, 1, channels}, x);
        }
        Value y4 = c.node(c.name() + ".4d", pool, new long[] {1, 1, channels}, x);
        return c.node(c.name(), new Flatten(1), new long[] {channels}, y4);
    }

    // ---- dense and merging ----

    private static Value dense(KerasCall c) {
        Value x = c.input(0);
        int units = c.integer("units", -1);
        long in = x.shape()[x.rank() - 1];
        if (x.isImage()) {
            // Dense acts on the last (channel) axis of an image: a 1x1 convolution in NCHW.
            INDArray kernel = c.weight("kernel", in, units);
            INDArray bias = c.bool("use_bias", true) ? c.weight("bias", units) : null;
            INDArray w = Layouts.convKernel(kernel.reshape('c', 1, 1, in, units));
            return fused(c, new Conv2d(w, bias, ConvSpec.DEFAULT), new long[] {x.shape()[0], x.shape()[1], units}, x);
        }
        if (x.rank() != 1) {
            throw c.fail("gets a " + x.describe() + " input; supported: vectors [C] and images [H, W, C]");
        }
        INDArray kernel = c.weight("kernel", in, units);
        INDArray bias = c.bool("use_bias", true) ? c.weight("bias", units) : null;
        INDArray w = x.flattenedFrom() == null ? Layouts.denseKernel(kernel)
                : Layouts.denseKernelAfterFlatten(kernel, x.flattenedFrom());
        return fused(c, new Linear(w, bias), new long[] {units}, x);
    }

    private static Value add(KerasCall c) {
        Value first = c.input(0);
        for (Value v : c.inputs()) {
            if (!Arrays.equals(v.flattenedFrom(), first.flattenedFrom())) {
                throw c.fail("adds a flattened image to a value of another layout; supported: Add of values of one layout");
            }
        }
        return c.node(c.name(), new org.xai4j.layers.Add(), first.shape(), first.flattenedFrom(),
                c.inputs().toArray(Value[]::new));
    }

    private static Value concatenate(KerasCall c) {
        Value first = c.input(0);
        int kerasAxis = c.integer("axis", -1);
        int rank = first.rank() + 1;
        int a = kerasAxis < 0 ? kerasAxis + rank : kerasAxis;
        if (a <= 0 || a >= rank) {
            throw c.fail("concatenates along axis " + kerasAxis + " of a " + first.describe() + " value");
        }
        long[] y = first.shape().clone();
        y[a - 1] = 0;
        for (Value v : c.inputs()) {
            if (v.flattenedFrom() != null || v.rank() != first.rank()) {
                throw c.fail("concatenates " + v.describe() + " (flattened image or other rank); supported: "
                        + "values of one rank, not flattened images");
            }
            long d = v.shape()[a - 1];
            y[a - 1] = y[a - 1] < 0 || d < 0 ? -1 : y[a - 1] + d;
        }
        return c.node(c.name(), new Concat(Layouts.axis(kerasAxis, rank)), y, c.inputs().toArray(Value[]::new));
    }

    // ---- shapes ----

    /**
     * Keras flattens an image in (h, w, c) order, the graph in (c, h, w) order. The two agree
     * when H*W = 1 or C = 1; otherwise the result is marked so that the next Dense moves its rows.
     */
    private static Value flatten(KerasCall c) {
        Value x = c.input(0);
        if (x.rank() == 1) {
            return c.alias(c.name(), x);
        }
        long n = x.size();
        if (n < 0) {
            throw c.fail("flattens a " + x.describe() + " value of unknown size; give the model a fixed input size");
        }
        long[] from = x.isImage() && !orderAgrees(x.shape()) ? x.shape() : null;
        return c.node(c.name(), new Flatten(1), new long[] {n}, from, x);
    }

    /** True when an [H, W, C] image has the same element order in (h, w, c) and (c, h, w). */
    private static boolean orderAgrees(long[] hwc) {
        return hwc[0] * hwc[1] == 1 || hwc[2] == 1;
    }

    /**
     * Keras reshapes in (h, w, c) order. Supported: reshapes where that order and the graph's agree
     * (vectors, 1x1 images, one channel), flattening an image (as Flatten), and turning a flattened
     * image back into its own shape. Anything else would need a transpose and fails loudly.
     */
    private static Value reshape(KerasCall c) {
        Value x = c.input(0);
        long[] target = targetShape(c, x);
        long n = x.size();
        if (x.flattenedFrom() != null && target.length == 3 && Arrays.equals(target, x.flattenedFrom())) {
            return c.node(c.name(), new Reshape(Layouts.graphShape(target, 0)), target, x);
        }
        boolean inAgrees = x.flattenedFrom() == null && (!x.isImage() || orderAgrees(x.shape()));
        boolean outAgrees = target.length != 3 || orderAgrees(target);
        if (inAgrees && outAgrees) {
            return c.node(c.name(), new Reshape(Layouts.graphShape(target, 0)), target, x);
        }
        if (x.isImage() && target.length == 1 && n >= 0) {
            return c.node(c.name(), new Flatten(1), target, x.shape(), x);
        }
        throw c.fail("reshapes " + x.describe() + " to " + Value.of("", target).describe() + ", which needs a "
                + "channels-last transpose; supported: reshapes of vectors, 1x1 or one-channel images, and flattening");
    }

    private static long[] targetShape(KerasCall c, Value x) {
        JsonNode t = c.config().path("target_shape");
        long[] target = new long[t.size()];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            target[i] = t.get(i).asLong();
            if (target[i] < 0) {
                unknown = i;
            } else {
                known *= target[i];
            }
        }
        if (unknown >= 0) {
            if (x.size() < 0) {
                throw c.fail("reshapes a value of unknown size with -1 in " + t);
            }
            target[unknown] = x.size() / known;
        }
        return target;
    }
}
