package org.xai4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.importers.ModelMetadata;
import org.xai4j.importers.PreprocessDetection;
import picocli.CommandLine.Option;

/**
 * {@code [--preprocess PRESET] [--size PIXELS]}: how photos become the model's input, the one
 * declaration of both options (a picocli mixin; {@link InputOptions} holds one too). Without
 * {@code --preprocess} the preset is what the model file tells ({@link PreprocessDetection}); a
 * command states it ({@link #line()}) and a guess is warned about once ({@link #warnIfGuessed}).
 */
final class PixelOptions {
    static final int DEFAULT_SIZE = 224;

    @Option(names = "--preprocess", paramLabel = "PRESET", converter = Converters.Preset.class,
            description = "How photo pixels (RGB 0..255) become inputs: torchvision (x/255, ImageNet mean and std), "
                    + "inception (x/127.5 - 1: MobileNet, Teachable Machine), caffe (BGR minus the ImageNet means: Keras "
                    + "ResNet50, VGG) or none. Default: what the model file tells (ONNX metadata "
                    + ModelMetadata.PREPROCESS_KEY + ", a Keras application, a Teachable Machine export), else a guess "
                    + "that is warned about. Not applied to .npy input.")
    Preprocess preprocess;

    @Option(names = "--size", paramLabel = "PIXELS", converter = Converters.Positive.class,
            description = "Photos are resized to PIXELS x PIXELS (default: the model's input size, else 224).")
    Integer size;

    private PreprocessDetection.Choice choice;
    private boolean warned;

    /** The preset and why: {@code --preprocess}, else what {@code model} (loaded as {@code graph}) tells; chosen once. */
    PreprocessDetection.Choice preprocessing(Path model, Graph graph) {
        if (choice == null) {
            choice = preprocess != null ? new PreprocessDetection.Choice(preprocess, "--preprocess " + preprocess.cliName(), false)
                    : PreprocessDetection.detect(model, graph);
        }
        return choice;
    }

    /** Whether {@link #preprocessing} has chosen. */
    boolean chosen() {
        return choice != null;
    }

    /** The choice made ({@link #preprocessing} first). */
    PreprocessDetection.Choice choice() {
        if (choice == null) {
            throw new IllegalStateException("the preprocessing is chosen from the model: call preprocessing(model, graph) first");
        }
        return choice;
    }

    /** The chosen preset ({@link #preprocessing} first). */
    Preprocess preset() {
        return choice().preset();
    }

    /** "preprocess: inception (ONNX metadata ...)": the chosen preset and why. */
    String line() {
        preset();
        return "preprocess: " + choice.preset().cliName() + " (" + choice.reason() + ")";
    }

    /** The preprocessing fields of a JSON record: preset, reason, whether it was guessed. */
    Map<String, Object> json() {
        preset();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("preprocess", choice.preset().cliName());
        j.put("preprocess_reason", choice.reason());
        j.put("preprocess_guessed", choice.guessed());
        return j;
    }

    /** One line on {@code err}, once, when the preset was guessed: the user should know and can choose. */
    void warnIfGuessed(PrintWriter err) {
        if (!warned && choice != null && choice.guessed()) {
            warned = true;
            err.println("xai4j: warning: preprocessing " + choice.preset().cliName() + " was " + choice.reason()
                    + "; pass --preprocess to choose (" + Preprocess.names() + ")");
            err.flush();
        }
    }

    /** {height, width}: --size, else the model's input size, else 224; a --size the model does not take is refused. */
    int[] side(Graph.Input input) {
        long[] s = input.shape();
        if (s != null && (s.length != 4 || s[1] != 3)) {
            throw new IllegalArgumentException("model input '" + input.name() + "' " + Converters.shape(s) + " is not an RGB image [N,3,H,W]");
        }
        int[] hw = new int[2];
        for (int a = 0; a < 2; a++) {
            long fixed = s == null ? -1 : s[2 + a];
            if (size != null && fixed > 0 && fixed != size) {
                throw new IllegalArgumentException("--size " + size + " does not fit model input '" + input.name() + "' "
                        + Converters.shape(s) + "; leave --size out");
            }
            hw[a] = size != null ? size : fixed > 0 ? (int) fixed : DEFAULT_SIZE;
        }
        return hw;
    }
}
