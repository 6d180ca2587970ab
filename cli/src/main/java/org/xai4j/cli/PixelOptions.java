package org.xai4j.cli;

import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Preprocess;
import picocli.CommandLine.Option;

/**
 * {@code [--preprocess PRESET] [--size PIXELS]} for commands that take no {@code --input} (filters,
 * receptive-field, top-patches, maximize): the same options, names and meaning as
 * {@link InputOptions}' (use it as a picocli mixin).
 */
final class PixelOptions {
    private static final int DEFAULT_SIZE = 224;

    @Option(names = "--preprocess", paramLabel = "PRESET", defaultValue = "torchvision", converter = Converters.Preset.class,
            description = "How photo pixels (RGB 0..255) become inputs: torchvision (default: x/255, ImageNet mean "
                    + "and std), inception (x/127.5 - 1: MobileNet, Teachable Machine), caffe (BGR minus the ImageNet "
                    + "means: Keras ResNet50, VGG) or none.")
    Preprocess preprocess;

    @Option(names = "--size", paramLabel = "PIXELS", converter = Converters.Positive.class,
            description = "Photos are PIXELS x PIXELS (default: the model's input size, else 224).")
    Integer size;

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
