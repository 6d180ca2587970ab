package org.xai4j.importers.keras;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Builds a small Keras Functional model (config JSON as Keras 2.4 writes it, plus weights) and
 * writes it as a full-model H5 file.
 */
final class KerasFixture {
    private final List<Map<String, Object>> layers = new ArrayList<>();
    private final List<List<Object>> inputs = new ArrayList<>();
    private final Map<String, Map<String, INDArray>> weights = new LinkedHashMap<>();

    /** An InputLayer of Keras shape {@code shape} (without the batch axis). */
    String input(String name, long... shape) {
        List<Object> batchShape = new ArrayList<>();
        batchShape.add(null);
        for (long d : shape) {
            batchShape.add(d);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", name);
        config.put("batch_input_shape", batchShape);
        layers.add(Map.of("class_name", "InputLayer", "name", name, "config", config, "inbound_nodes", List.of()));
        inputs.add(List.of(name, 0, 0));
        return name;
    }

    /** A layer called once on {@code from}; {@code config} gets the name added. */
    String layer(String className, String name, Map<String, Object> config, Map<String, INDArray> w, String... from) {
        Map<String, Object> c = new LinkedHashMap<>(config);
        c.put("name", name);
        List<Object> call = new ArrayList<>();
        for (String f : from) {
            call.add(List.of(f, 0, 0, Map.of()));
        }
        layers.add(Map.of("class_name", className, "name", name, "config", c, "inbound_nodes", List.of(call)));
        if (!w.isEmpty()) {
            weights.put(name, w);
        }
        return name;
    }

    String json(String... outputs) {
        List<Object> out = new ArrayList<>();
        for (String o : outputs) {
            out.add(List.of(o, 0, 0));
        }
        Map<String, Object> config = Map.of("name", "model", "layers", layers, "input_layers", inputs, "output_layers", out);
        try {
            return new ObjectMapper().writeValueAsString(Map.of("class_name", "Functional", "config", config));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Path write(Path file, String... outputs) {
        H5Writer.write(file, json(outputs), weights);
        return file;
    }
}
