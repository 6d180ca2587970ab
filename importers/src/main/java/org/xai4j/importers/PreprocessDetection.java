package org.xai4j.importers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.io.Labels;
import org.xai4j.engine.io.Preprocess;

/**
 * Which {@link Preprocess} preset a model expects, from what its file tells, in this order:
 * <ol>
 *   <li>ONNX {@code metadata_props}: {@value ModelMetadata#PREPROCESS_KEY} naming a preset (xai4j's
 *       exporter writes it), then any key containing "preprocess" or "normaliz" whose text states
 *       a preset or its formula ({@code x/127.5 - 1}, the ImageNet mean 0.485, BGR);</li>
 *   <li>a Keras H5 {@code model_config} naming a Keras application (its model name, also of a
 *       model nested inside): each application's own {@code preprocess_input} mode;</li>
 *   <li>a Teachable Machine export: {@code keras_model.h5} (or its ONNX conversion) beside a
 *       {@code labels.txt} of {@code index name} lines, or a {@code metadata.json} written by
 *       Teachable Machine: {@code inception};</li>
 *   <li>the ONNX {@code doc_string}, read as the metadata text above;</li>
 *   <li>a guess, flagged as one: layer names of known families (Keras / TF MobileNets and
 *       Inception: {@code inception}; Keras ResNet50 and VGG: {@code caffe}), else a PyTorch
 *       producer or nothing at all: {@code torchvision}.</li>
 * </ol>
 * A preset given by the user always wins; this is only asked when none was.
 */
public final class PreprocessDetection {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The preset, why, and whether it was guessed (then the user should be warned). */
    public record Choice(Preprocess preset, String reason, boolean guessed) {}

    /**
     * Keras application model names (keras/applications/*.py) and their preprocess_input mode:
     * "tf" is {@code inception}, "caffe" {@code caffe}, "torch" {@code torchvision}; the newer
     * families rescale inside the model, so they take 0..255 ({@code none}).
     */
    private static final List<Map.Entry<Pattern, Preprocess>> APPLICATIONS = List.of(
            rule("mobilenet(_?v2)?_[0-9.]+_[0-9]+.*", Preprocess.INCEPTION),
            rule("inception_v3|xception|inception_resnet_v2|nasnet.*|resnet(50|101|152)v2", Preprocess.INCEPTION),
            rule("resnet(50|101|152)|vgg1[69]", Preprocess.CAFFE),
            rule("densenet(121|169|201)", Preprocess.TORCHVISION),
            rule("mobilenetv3(large|small)|efficientnet.*|convnext.*|regnet.*|resnet-?rs.*", Preprocess.NONE));

    /** Layer-name families, for the last-resort guess. */
    private static final List<Map.Entry<Pattern, Preprocess>> LAYER_NAMES = List.of(
            rule("conv_(pw|dw)_[0-9]+.*|expanded_conv.*|block_[0-9]+_(expand|depthwise|project).*|Conv_1_relu6|out_relu"
                    + "|mixed[0-9]+|conv[0-9]_block[0-9]+_preact.*", Preprocess.INCEPTION),
            rule("res[0-9][a-z]_branch.*|conv[0-9]_block[0-9]+_[0-9]_conv|block[0-9]_conv[0-9]", Preprocess.CAFFE));

    private PreprocessDetection() {}

    /** The preset for the model in {@code file}, already loaded as {@code graph} (for the layer-name guess). */
    public static Choice detect(Path file, Graph graph) {
        ModelMetadata meta;
        try {
            meta = ModelMetadata.read(file);
        } catch (ModelFormatException e) {
            meta = new ModelMetadata("unknown", "", "", Map.of());
        }
        Choice told = fromMetadata(meta);
        if (told == null && meta.format().equals("keras")) {
            told = fromKerasConfig(meta.properties().get("model_config"));
        }
        if (told == null) {
            told = teachableMachine(file);
        }
        if (told == null && !meta.description().isBlank()) {
            Preprocess p = fromText(meta.description());
            told = p == null ? null : new Choice(p, "the model's doc_string states it (\"" + excerpt(meta.description(), p) + "\")", false);
        }
        return told != null ? told : guess(meta, graph);
    }

    private static Choice fromMetadata(ModelMetadata meta) {
        String exact = meta.properties().get(ModelMetadata.PREPROCESS_KEY);
        if (exact != null) {
            try {
                return new Choice(Preprocess.parse(exact), "ONNX metadata " + ModelMetadata.PREPROCESS_KEY + "=" + exact.strip(), false);
            } catch (IllegalArgumentException e) {
                // An unknown value is reported by the guess's reason below, not trusted.
            }
        }
        for (Map.Entry<String, String> e : meta.properties().entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (key.contains("preprocess") || key.contains("normaliz")) {
                Preprocess p = fromText(e.getValue());
                if (p != null) {
                    return new Choice(p, "ONNX metadata '" + e.getKey() + "': \"" + e.getValue().strip() + "\"", false);
                }
            }
        }
        return null;
    }

    /** A preset named, or recognised by its formula, in free text; null when the text says none. */
    static Preprocess fromText(String text) {
        String t = text.toLowerCase(Locale.ROOT).replaceAll("\\s+", "");
        for (Preprocess p : Preprocess.values()) {
            if (p != Preprocess.NONE && t.contains(p.cliName())) {
                return p;
            }
        }
        if (t.contains("127.5") || t.contains("[-1,1]")) {
            return Preprocess.INCEPTION;
        }
        if (t.contains("0.485") || t.contains("0.229")) {
            return Preprocess.TORCHVISION;
        }
        if (t.contains("bgr") || t.contains("103.939")) {
            return Preprocess.CAFFE;
        }
        return null;
    }

    private static Choice fromKerasConfig(String config) {
        if (config == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        try {
            modelNames(JSON.readTree(config), names);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        for (String name : names) {
            Preprocess p = match(APPLICATIONS, name);
            if (p != null) {
                return new Choice(p, "model_config names the Keras application '" + name + "'", false);
            }
        }
        return null;
    }

    /** The names of the model and of every model nested in it (a layer whose config has layers). */
    private static void modelNames(JsonNode node, List<String> out) {
        JsonNode config = node.path("config");
        if (config.has("layers")) {
            String name = config.path("name").asText(node.path("name").asText(""));
            if (!name.isEmpty()) {
                out.add(name);
            }
            for (JsonNode layer : config.path("layers")) {
                modelNames(layer, out);
            }
        }
    }

    private static Choice teachableMachine(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null) {
            return null;
        }
        Path metadata = dir.resolve("metadata.json");
        try {
            if (Files.isRegularFile(metadata) && Files.size(metadata) < 1 << 20) {
                String m = Files.readString(metadata);
                if (m.contains("teachablemachine") || m.contains("\"tmVersion\"")) {
                    return new Choice(Preprocess.INCEPTION, "a Teachable Machine export: " + metadata.getFileName() + " beside the model", false);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not readable: not evidence either way
        }
        String name = file.getFileName().toString();
        Path labels = dir.resolve("labels.txt");
        if ((name.equals("keras_model.h5") || name.equals("keras_model.onnx")) && Files.isRegularFile(labels)) {
            try {
                String text = Files.readString(labels);
                if (text.lines().filter(l -> !l.isBlank()).allMatch(l -> l.strip().matches("[0-9]+\\s+\\S.*"))) {
                    Labels.parse(text, labels.toString());
                    return new Choice(Preprocess.INCEPTION, "a Teachable Machine export: " + name + " beside a labels.txt of "
                            + "'index name' lines", false);
                }
            } catch (IOException | RuntimeException e) {
                // not a Teachable Machine labels file
            }
        }
        return null;
    }

    private static Choice guess(ModelMetadata meta, Graph graph) {
        String invalid = meta.properties().get(ModelMetadata.PREPROCESS_KEY);
        String note = invalid == null ? "" : " (ONNX metadata " + ModelMetadata.PREPROCESS_KEY + "='" + invalid
                + "' is not a preset; accepted: " + Preprocess.names() + ")";
        for (Node node : graph.nodes()) {
            Preprocess p = match(LAYER_NAMES, node.name());
            if (p != null) {
                return new Choice(p, "guessed from the layer name '" + node.name() + "', a TensorFlow/Keras family; "
                        + "the file states no preprocessing" + note, true);
            }
        }
        if (meta.producer().toLowerCase(Locale.ROOT).startsWith("pytorch")) {
            return new Choice(Preprocess.TORCHVISION, "guessed from the producer '" + meta.producer()
                    + "', torchvision's convention; the file states no preprocessing" + note, true);
        }
        return new Choice(Preprocess.TORCHVISION, "guessed: the file states no preprocessing and its layer names match "
                + "no known family" + note, true);
    }

    private static Preprocess match(List<Map.Entry<Pattern, Preprocess>> rules, String name) {
        for (Map.Entry<Pattern, Preprocess> r : rules) {
            if (r.getKey().matcher(name).matches()) {
                return r.getValue();
            }
        }
        return null;
    }

    private static Map.Entry<Pattern, Preprocess> rule(String regex, Preprocess p) {
        return Map.entry(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), p);
    }

    /** The sentence of {@code text} that gave {@code p}, shortened. */
    private static String excerpt(String text, Preprocess p) {
        for (String sentence : text.split("(?<=\\.)\\s+")) {
            if (fromText(sentence) == p) {
                return sentence.length() > 120 ? sentence.substring(0, 117) + "..." : sentence.strip();
            }
        }
        return text.length() > 120 ? text.substring(0, 117) + "..." : text.strip();
    }
}
