package org.xai4j.importers.keras;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.engine.Layer;
import org.xai4j.importers.ModelFormatException;
import org.xai4j.layers.Padding;

/**
 * One call of a Keras layer as a converter sees it: the layer's class, name and config, the
 * values it reads, and the graph being built. Config readers accept the forms Keras writes
 * ({@code 3} or {@code [3, 3]}) and fail with the layer named.
 */
final class KerasCall {
    private final KerasModel model;
    private final String className;
    private final String kerasName;
    private final String name;
    private final JsonNode config;
    private final List<Value> inputs;
    private Map<String, INDArray> weights;

    KerasCall(KerasModel model, String className, String kerasName, String name, JsonNode config, List<Value> inputs) {
        this.model = model;
        this.className = className;
        this.kerasName = kerasName;
        this.name = name;
        this.config = config;
        this.inputs = inputs;
    }

    /** The name of the value this call produces (the Keras layer name unless it was taken). */
    String name() {
        return name;
    }

    JsonNode config() {
        return config;
    }

    List<Value> inputs() {
        return inputs;
    }

    Value input(int i) {
        if (i >= inputs.size()) {
            throw fail("needs " + (i + 1) + " input(s), got " + inputs.size());
        }
        return inputs.get(i);
    }

    /** Input {@code i}, which must be a channels-last image [H, W, C]. */
    Value image(int i) {
        String format = config.path("data_format").asText("channels_last");
        if (!format.equals("channels_last")) {
            throw fail("has data_format " + format + "; supported: channels_last");
        }
        Value x = input(i);
        if (!x.isImage() || x.flattenedFrom() != null) {
            throw fail("gets a " + x.describe() + " input; supported: images [H, W, C]");
        }
        return x;
    }

    // ---- config ----

    int integer(String key, int fallback) {
        JsonNode v = config.path(key);
        if (v.isArray() && v.size() == 1) {
            v = v.get(0);
        }
        if (v.isMissingNode() || v.isNull()) {
            if (fallback == -1) {
                throw fail("has no " + key);
            }
            return fallback;
        }
        return v.asInt();
    }

    double number(String key, double fallback) {
        JsonNode v = config.path(key);
        return v.isNumber() ? v.asDouble() : fallback;
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = config.path(key);
        return v.isBoolean() ? v.asBoolean() : fallback;
    }

    /** A 2-D setting written as {@code n} or {@code [h, w]}; {@code fallback} -1 means required. */
    int[] pair(String key, int fallback) {
        JsonNode v = config.path(key);
        if (v.isInt()) {
            return new int[] {v.asInt(), v.asInt()};
        }
        if (v.isArray() && v.size() == 2) {
            return new int[] {v.get(0).asInt(), v.get(1).asInt()};
        }
        if ((v.isMissingNode() || v.isNull()) && fallback != -1) {
            return new int[] {fallback, fallback};
        }
        throw fail("has " + key + " " + v + "; expected an int or a pair");
    }

    /** Keras "valid" is no padding; "same" is TensorFlow's, with the odd pixel at the bottom/right. */
    Padding padding() {
        String p = config.path("padding").asText("valid");
        return switch (p) {
            case "valid" -> Padding.EXPLICIT;
            case "same" -> Padding.SAME_UPPER;
            default -> throw fail("has padding '" + p + "'; supported: valid, same");
        };
    }

    /** Output [H', W', channels] of a convolution or pooling window over image {@code x}. */
    long[] convShape(Value x, int[] kernel, int[] stride, int[] dilation, long channels) {
        long[] y = new long[] {0, 0, channels};
        boolean same = padding() != Padding.EXPLICIT;
        for (int i = 0; i < 2; i++) {
            long in = x.shape()[i];
            long extent = (long) (kernel[i] - 1) * dilation[i] + 1;
            y[i] = in < 0 ? -1 : same ? (in + stride[i] - 1) / stride[i] : (in - extent) / stride[i] + 1;
            if (in >= 0 && y[i] < 1) {
                throw fail("has a window of " + extent + " pixels on an input of " + in);
            }
        }
        return y;
    }

    // ---- weights ----

    /**
     * The weight {@code key} of this layer ({@code kernel}, {@code bias}, ...), checked against
     * {@code shape} (-1 accepts any size).
     */
    INDArray weight(String key, long... shape) {
        if (weights == null) {
            weights = model.weights(kerasName);
        }
        INDArray w = weights.get(key);
        if (w == null) {
            throw fail("has no weight '" + key + "' in the file (found: " + weights.keySet() + ")");
        }
        boolean ok = w.rank() == shape.length;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = shape[i] < 0 || shape[i] == w.size(i);
        }
        if (!ok) {
            throw fail("has weight '" + key + "' of shape " + Arrays.toString(w.shape()) + ", expected "
                    + Arrays.toString(shape).replace("-1", "?"));
        }
        return w;
    }

    // ---- building ----

    Value node(String name, Layer<?> layer, long[] shape, Value... in) {
        return node(name, layer, shape, null, in);
    }

    /** Adds node {@code name}; {@code flattenedFrom} marks a flattened image (see {@link Value}). */
    Value node(String name, Layer<?> layer, long[] shape, long[] flattenedFrom, Value... in) {
        return model.node(name, layer, new Value(name, shape, flattenedFrom), in);
    }

    /** Makes {@code name} another name of {@code x} (a layer that computes nothing at inference). */
    Value alias(String name, Value x) {
        return model.alias(name, x);
    }

    /** An error naming the file, the layer and its class. */
    ModelFormatException fail(String what) {
        return new ModelFormatException(model.file() + ": Keras layer '" + kerasName + "' (" + className + ") " + what);
    }
}
