package org.xai4j.importers.keras;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.importers.ModelFormatException;

/**
 * Walks a Keras {@code model_config} (Sequential, Functional, and models nested in models) and
 * collects the graph: inputs, nodes named after the Keras layers, and aliases for layers that
 * compute nothing at inference (InputLayer of a nested model, Dropout, a nested model's name).
 */
final class KerasModel {
    private final KerasH5 h5;
    private final List<Graph.Input> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final Map<String, Value> values = new HashMap<>();
    private final Set<String> taken = new HashSet<>();
    /** The top-level layer being converted: its group under model_weights holds the weights. */
    private String top;

    private KerasModel(KerasH5 h5) {
        this.h5 = h5;
    }

    static Graph build(KerasH5 h5, JsonNode root) {
        KerasModel m = new KerasModel(h5);
        if (!isModel(root.path("class_name").asText())) {
            throw new ModelFormatException(h5.file() + ": model_config describes a " + root.path("class_name").asText("?")
                    + "; supported: Sequential and Functional (Model) models");
        }
        return m.graph(m.model(root, null, ""));
    }

    private static boolean isModel(String className) {
        return className.equals("Sequential") || className.equals("Functional") || className.equals("Model");
    }

    java.nio.file.Path file() {
        return h5.file();
    }

    /** Converts a model; {@code bound} are the values its inputs take (null at the top level). */
    private List<Value> model(JsonNode json, List<Value> bound, String scope) {
        return json.path("class_name").asText().equals("Sequential") ? sequential(json, bound, scope)
                : functional(json, bound, scope);
    }

    private List<Value> sequential(JsonNode json, List<Value> bound, String scope) {
        JsonNode config = json.path("config");
        JsonNode layers = config.isArray() ? config : config.path("layers");
        Value x = bound == null ? null : bound.get(0);
        for (JsonNode layer : layers) {
            String className = layer.path("class_name").asText();
            JsonNode lc = layer.path("config");
            String name = lc.path("name").asText();
            if (bound == null) {
                top = name;
            }
            if (className.equals("InputLayer")) {
                x = x == null ? input(name, lc) : alias(name, x);
                continue;
            }
            if (x == null) {
                // A Sequential without InputLayer takes its input shape from its first layer.
                x = input(name + "_input", lc);
            }
            x = call(layer, List.of(x), 0, scope).get(0);
        }
        if (x == null) {
            throw new ModelFormatException(h5.file() + ": the Sequential model '" + config.path("name").asText() + "' has no layers");
        }
        return List.of(x);
    }

    private List<Value> functional(JsonNode json, List<Value> bound, String scope) {
        JsonNode config = json.path("config");
        Map<String, Value> tensors = new HashMap<>();
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode layer : config.path("layers")) {
            byName.put(layer.path("config").path("name").asText(layer.path("name").asText()), layer);
        }
        JsonNode inputLayers = config.path("input_layers");
        for (int j = 0; j < inputLayers.size(); j++) {
            String name = inputLayers.get(j).get(0).asText();
            JsonNode il = byName.get(name);
            Value v = bound == null ? input(name, il == null ? null : il.path("config")) : alias(name, bound.get(j));
            tensors.put(key(name, 0, 0), v);
        }
        record Pending(JsonNode layer, String name, int call) {}
        List<Pending> pending = new ArrayList<>();
        for (JsonNode layer : config.path("layers")) {
            String name = layer.path("config").path("name").asText(layer.path("name").asText());
            if (!layer.path("class_name").asText().equals("InputLayer")) {
                for (int k = 0; k < layer.path("inbound_nodes").size(); k++) {
                    pending.add(new Pending(layer, name, k));
                }
            }
        }
        // Keras lists layers in a topological order; waiting for unknown inputs makes that an
        // assumption this loop does not need.
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                JsonNode refs = p.layer().path("inbound_nodes").get(p.call());
                if (!refs.isArray()) {
                    throw new ModelFormatException(h5.file() + ": Keras layer '" + p.name() + "' has inbound_nodes in a "
                            + "format this importer does not read (Keras 3?); supported: Keras 2.x and tf.keras H5 files");
                }
                List<Value> in = new ArrayList<>();
                for (JsonNode ref : refs) {
                    Value v = tensors.get(key(ref.get(0).asText(), ref.get(1).asInt(), ref.get(2).asInt()));
                    if (v != null) {
                        in.add(v);
                    }
                }
                if (in.size() == refs.size()) {
                    if (bound == null) {
                        top = p.name();
                    }
                    List<Value> out = call(p.layer(), in, p.call(), scope);
                    for (int t = 0; t < out.size(); t++) {
                        tensors.put(key(p.name(), p.call(), t), out.get(t));
                    }
                    it.remove();
                    progress = true;
                }
            }
            if (!progress) {
                Pending p = pending.get(0);
                throw new ModelFormatException(h5.file() + ": Keras layer '" + p.name() + "' reads "
                        + p.layer().path("inbound_nodes").get(p.call()) + ", which no layer of the model produces");
            }
        }
        List<Value> outputs = new ArrayList<>();
        for (JsonNode ref : config.path("output_layers")) {
            Value v = tensors.get(key(ref.get(0).asText(), ref.get(1).asInt(), ref.get(2).asInt()));
            if (v == null) {
                throw new ModelFormatException(h5.file() + ": the model's output " + ref + " is not produced by any layer");
            }
            outputs.add(v);
        }
        return outputs;
    }

    private static String key(String layer, int call, int tensor) {
        return layer + "#" + call + "#" + tensor;
    }

    /** One call of a layer or of a nested model on {@code in}. */
    private List<Value> call(JsonNode layer, List<Value> in, int callIndex, String scope) {
        String className = layer.path("class_name").asText();
        JsonNode config = layer.path("config");
        String kerasName = config.path("name").asText(layer.path("name").asText());
        if (isModel(className)) {
            List<Value> out = model(layer, in, scope + kerasName + "/");
            alias(kerasName, out.get(0));
            return out;
        }
        KerasLayers.Converter converter = KerasLayers.TABLE.get(className);
        if (converter == null) {
            throw new ModelFormatException(h5.file() + ": Keras layer '" + kerasName + "' (" + className
                    + ") is not supported; supported: " + KerasLayers.supported());
        }
        String name = callIndex == 0 ? kerasName : kerasName + "#" + callIndex;
        if (taken.contains(name)) {
            name = scope + name;
        }
        try {
            return List.of(converter.convert(new KerasCall(this, className, kerasName, name, config, in)));
        } catch (IllegalArgumentException e) {
            // A layer's own constructor refusing its settings or weights (a negative batch-norm variance, say).
            throw new ModelFormatException(h5.file() + ": Keras layer '" + kerasName + "' (" + className + ") " + e.getMessage(), e);
        }
    }

    private Value input(String name, JsonNode config) {
        JsonNode shape = config == null ? null : config.has("batch_input_shape") ? config.get("batch_input_shape") : config.get("batch_shape");
        if (shape == null || !shape.isArray() || shape.size() < 2) {
            throw new ModelFormatException(h5.file() + ": input '" + name + "' has no batch_input_shape; cannot tell its shape");
        }
        long[] s = new long[shape.size() - 1];
        for (int i = 0; i < s.length; i++) {
            JsonNode d = shape.get(i + 1);
            s[i] = d.isNull() ? -1 : d.asLong();
        }
        inputs.add(Graph.Input.of(name, Layouts.graphShape(s, -1)));
        taken.add(name);
        Value v = Value.of(name, s);
        values.put(name, v);
        return v;
    }

    Map<String, INDArray> weights(String layer) {
        return h5.weights(top, layer);
    }

    Value node(String name, Layer<?> layer, Value out, Value... in) {
        if (!taken.add(name)) {
            throw new ModelFormatException(h5.file() + ": two values would be named '" + name + "'");
        }
        List<String> names = new ArrayList<>();
        for (Value v : in) {
            names.add(v.name());
        }
        nodes.add(new Node(name, layer, names));
        values.put(name, out);
        return out;
    }

    Value alias(String name, Value x) {
        if (!name.equals(x.name()) && taken.add(name)) {
            aliases.put(name, x.name());
        }
        return x;
    }

    private Graph graph(List<Value> outputs) {
        List<String> names = new ArrayList<>();
        for (Value o : outputs) {
            if (o.flattenedFrom() != null) {
                throw new ModelFormatException(h5.file() + ": the model's output '" + o.name() + "' is a flattened image; "
                        + "supported: flattened images consumed by a Dense layer");
            }
            names.add(o.name());
        }
        return new Graph(inputs, nodes, names, aliases);
    }
}
