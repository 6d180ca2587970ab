package org.xai4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.xai4j.engine.io.Labels;
import org.xai4j.importers.ModelMetadata;
import picocli.CommandLine.Option;

/** {@code --labels FILE}: class names, found as {@code predict} finds them (use it as a picocli mixin). */
final class LabelOptions {
    @Option(names = "--labels", paramLabel = "FILE",
            description = {"Class names: one per line, or 'index name' lines like Teachable Machine's labels.txt.",
                    "Default: the names an ONNX file carries (xai4j.labels in its metadata, as xai4j export writes them); "
                            + "else labels.txt beside the model if it names exactly as many classes as the model has; "
                            + "else the ImageNet names for 1000 outputs (1001: with 'background' first); else 'class i'."})
    Path file;

    /** The names for a model file with {@code classes} outputs. */
    Labels forModel(Path model, int classes) {
        if (file != null) {
            Labels l = Labels.read(file);
            if (l.size() != classes) {
                throw new IllegalArgumentException(file + " names " + l.size() + " classes but the model has " + classes + " outputs");
            }
            return l;
        }
        String carried = carried(model);
        if (carried != null) {
            Labels l = Labels.parse(carried, model + " (metadata " + ModelMetadata.LABELS_KEY + ")");
            if (l.size() == classes) {
                return l;
            }
        }
        Path beside = model.toAbsolutePath().resolveSibling("labels.txt");
        if (Files.isRegularFile(beside)) {
            try {
                Labels l = Labels.read(beside);
                if (l.size() == classes) {
                    return l;
                }
            } catch (IllegalArgumentException e) {
                // Not a labels file for this model: fall through to the defaults.
            }
        }
        return Labels.forClasses(classes);
    }

    /** The names an ONNX file's metadata carries, or null (other files, no such key, an unreadable file). */
    private static String carried(Path model) {
        try {
            return ModelMetadata.read(model).properties().get(ModelMetadata.LABELS_KEY);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
