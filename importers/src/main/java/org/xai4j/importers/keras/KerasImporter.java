package org.xai4j.importers.keras;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.xai4j.engine.Graph;
import org.xai4j.importers.FiniteWeights;
import org.xai4j.importers.ModelFormatException;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;

/**
 * Loads a Keras full-model H5 file (Keras 2.x or tf.keras {@code model.save("model.h5")}) into an
 * NCHW {@link Graph}: Sequential and Functional models and models nested inside models, which
 * Deeplearning4j's own importer rejects.
 *
 * <p>The graph takes {@code [N, 3, H, W]} like the same model exported to ONNX, so the same
 * preprocessing and explainers apply to both. Node names are the Keras layer names; a layer with
 * a fused activation adds {@code <name>.preact}, the value before the activation (the logits of a
 * softmax). Batch norms that follow a convolution are folded into it, and the merged node keeps the
 * batch norm's name; then the faster layers take the place of the reference ones
 * ({@link Specialization#apply}). See {@link KerasLayers} for the supported layers and {@link Layouts} for the layout
 * conversions.
 */
public final class KerasImporter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasImporter() {}

    /** The model in {@code file}; a one-line {@link ModelFormatException} when it cannot be imported. */
    public static Graph load(Path file) {
        try (KerasH5 h5 = KerasH5.open(file)) {
            JsonNode config;
            try {
                config = JSON.readTree(h5.modelConfig());
            } catch (JsonProcessingException e) {
                throw new ModelFormatException(file + ": model_config is not valid JSON (" + e.getOriginalMessage() + ")", e);
            }
            // Keras keeps batch norm as separate layers; folded into the convolution before it,
            // they cost nothing at inference and leave values and gradients unchanged. The faster
            // layers go in after folding, so that folded convolutions get them too.
            return Specialization.apply(BatchNormFolding.fold(FiniteWeights.check(file, KerasModel.build(h5, config))));
        }
    }

    /** The root attributes {@code keras_version}, {@code backend} and {@code model_config} that the file has. */
    public static Map<String, String> attributes(Path file) {
        try (KerasH5 h5 = KerasH5.open(file)) {
            Map<String, String> attributes = new LinkedHashMap<>();
            for (String name : List.of("keras_version", "backend", "model_config")) {
                String value = h5.attribute(name);
                if (value != null) {
                    attributes.put(name, value);
                }
            }
            return attributes;
        }
    }
}
