package org.xai4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Finite;
import org.xai4j.engine.Graph;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Npy;
import org.xai4j.engine.io.Preprocess;
import picocli.CommandLine.Option;

/**
 * {@code --input IMAGE|TENSOR.npy [--preprocess PRESET] [--size PIXELS]}: what the model is run
 * on, shared by every command that runs a model (use it as a picocli mixin).
 */
public final class InputOptions {
    private static final int DEFAULT_SIZE = 224;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "IMAGE|TENSOR.npy",
            description = {"A photo (PNG, JPEG, BMP, GIF: resized whole, no crop, to the model's input size), "
                    + "or a float32 NCHW .npy tensor fed as is."})
    Path file;

    @Option(names = "--preprocess", paramLabel = "PRESET", defaultValue = "torchvision", converter = Converters.Preset.class,
            description = "How photo pixels (RGB 0..255) become inputs: torchvision (default: x/255, ImageNet mean "
                    + "and std), inception (x/127.5 - 1: MobileNet, Teachable Machine), caffe (BGR minus the ImageNet "
                    + "means: Keras ResNet50, VGG) or none. Not applied to .npy input.")
    Preprocess preprocess;

    @Option(names = "--size", paramLabel = "PIXELS", converter = Converters.Positive.class,
            description = "Resize photos to PIXELS x PIXELS (default: the model's input size, else 224).")
    Integer size;

    private String described;

    public Path file() {
        return file;
    }

    public Preprocess preprocess() {
        return preprocess;
    }

    /** The tensor to feed to {@code input}: [N, C, H, W] float32. */
    public INDArray tensor(Graph.Input input) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("input file not found: " + file
                    + (Files.isDirectory(file) ? " (it is a directory)" : ""));
        }
        long[] expected = input.shape();
        if (isNpy(file)) {
            INDArray x = Npy.read(file);
            if (expected != null && !fits(x.shape(), expected)) {
                throw new IllegalArgumentException(file + ": tensor of shape " + Converters.shape(x.shape())
                        + " does not fit model input '" + input.name() + "' " + Converters.shape(expected));
            }
            // The engine refuses it too, by the graph input's name; here the user learns which file.
            Finite.check(x, file.toString(), "inputs must be finite numbers");
            described = file + " " + Converters.shape(x.shape()) + " as is";
            return x;
        }
        if (expected != null && (expected.length != 4 || expected[1] != 3)) {
            throw new IllegalArgumentException("model input '" + input.name() + "' " + Converters.shape(expected)
                    + " is not an RGB image [N,3,H,W]; pass a .npy tensor of that shape instead of " + file);
        }
        long h = side(expected, 2);
        long w = side(expected, 3);
        if (size != null && ((expected != null && expected[2] > 0 && expected[2] != size)
                || (expected != null && expected[3] > 0 && expected[3] != size))) {
            throw new IllegalArgumentException("--size " + size + " does not fit model input '" + input.name() + "' "
                    + Converters.shape(expected) + "; leave --size out");
        }
        MemoryBudget.checkArray("model input '" + input.name() + "'", new long[] {1, 3, h, w}, Float.BYTES);
        if (3 * h * w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("model input '" + input.name() + "' of " + h + "x" + w + " pixels is larger than "
                    + "a photo can be resized to (2^31 values); pass a .npy tensor");
        }
        java.awt.image.BufferedImage image = Images.read(file);
        INDArray rgb = Images.resize(Images.rgb(image), (int) h, (int) w);
        described = file + " (" + image.getWidth() + "x" + image.getHeight() + ", resized to " + w + "x" + h + ", "
                + preprocess.cliName() + ")";
        return preprocess.apply(rgb);
    }

    /** The shape {@link #tensor} will return, from the .npy header or the model's input size, without reading pixels. */
    public long[] shape(Graph.Input input) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("input file not found: " + file
                    + (Files.isDirectory(file) ? " (it is a directory)" : ""));
        }
        if (isNpy(file)) {
            return Npy.header(file).shape();
        }
        long[] expected = input.shape();
        if (expected != null && (expected.length != 4 || expected[1] != 3)) {
            throw new IllegalArgumentException("model input '" + input.name() + "' " + Converters.shape(expected)
                    + " is not an RGB image [N,3,H,W]; pass a .npy tensor of that shape instead of " + file);
        }
        return new long[] {1, 3, side(expected, 2), side(expected, 3)};
    }

    /** One line saying what {@link #tensor} made (after it ran). */
    public String describe() {
        return described;
    }

    private long side(long[] expected, int axis) {
        if (size != null) {
            return size;
        }
        return expected != null && expected[axis] > 0 ? expected[axis] : DEFAULT_SIZE;
    }

    private static boolean fits(long[] actual, long[] expected) {
        if (actual.length != expected.length) {
            return false;
        }
        for (int i = 0; i < actual.length; i++) {
            if (expected[i] >= 0 && expected[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    /** A .npy name, or numpy's magic bytes under any name. */
    static boolean isNpy(Path file) {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            return true;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(6), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
