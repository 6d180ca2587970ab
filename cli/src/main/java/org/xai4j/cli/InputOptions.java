package org.xai4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Finite;
import org.xai4j.engine.Graph;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Npy;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.importers.PreprocessDetection;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --input IMAGE|TENSOR.npy|DIR|GLOB... [--preprocess PRESET] [--size PIXELS]}: what the
 * model is run on, shared by every command that runs a model (use it as a picocli mixin). One
 * file is the single-input mode ({@link #file()}, {@link #tensor(Graph.Input)}); several values,
 * a folder or a pattern are the many-input mode ({@link #many()}, {@link #files()}: see
 * {@link InputFiles}), where each file is read by {@link #read(Path, Graph.Input)}.
 *
 * <p>Without {@code --preprocess} the preset is what the model file tells
 * ({@link PreprocessDetection}); a command states it ({@link #preprocessLine()}), and a guess is
 * warned about on stderr once, after the first photo is read.
 */
public final class InputOptions {
    @Option(names = {"-i", "--input"}, required = true, arity = "1..*", paramLabel = "IMAGE|TENSOR.npy|DIR|GLOB",
            description = {"A photo (PNG, JPEG, BMP, GIF: resized whole, no crop, to the model's input size), "
                    + "or a float32 NCHW .npy tensor fed as is. Several files (repeat --input or list them after it), "
                    + "a folder (its photos and .npy files) or a quoted glob like 'photos/*.jpg' run them all with "
                    + "the model loaded once: one output subfolder per input plus index.json and index.html."})
    List<String> values;

    // --preprocess and --size, declared once for every command.
    @Mixin
    PixelOptions pixels = new PixelOptions();

    // --winograd, declared once for every command that runs a model (all of them compile plans).
    @Mixin
    PlanOptions plans = new PlanOptions();

    // The command this is mixed into: its model (for the detection when a command did not ask
    // for it) and its stderr (for the warning).
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    private String described;

    /** One input read: the tensor [N, C, H, W] and a line saying what was made of the file. */
    public record Read(INDArray x, String described) {}

    /** Whether the inputs are several files, a folder or a pattern (one subfolder per input). */
    public boolean many() {
        // --input takes every value up to the next option it knows, so a mistyped option lands here.
        for (String v : values) {
            if (v.startsWith("-") && !Files.exists(Path.of(v))) {
                throw new ParameterException(command.commandLine(), "Unknown option: '" + v + "'");
            }
        }
        return InputFiles.many(values);
    }

    /** Every input file, expanded ({@link InputFiles#expand}). */
    public List<Path> files() {
        return InputFiles.expand(values);
    }

    /** The one input file of the single-input mode. */
    public Path file() {
        if (many()) {
            throw new IllegalStateException("--input names several files; this command reads them one by one");
        }
        return Path.of(values.get(0));
    }

    /**
     * The preset for photos: {@code --preprocess}, or what {@code model} (loaded as {@code graph})
     * tells. Commands call this once they have the graph; otherwise the first photo asks for it.
     */
    public PreprocessDetection.Choice preprocessing(Path model, Graph graph) {
        return pixels.preprocessing(model, graph);
    }

    /** The preset photos get (detected on first use from the command's {@link ModelOptions} if not yet chosen). */
    public Preprocess preprocess() {
        return choice().preset();
    }

    /** "preprocess: inception (model_config names the Keras application 'mobilenet_1.00_224')"; for a tensor, that none applies. */
    public String preprocessLine() {
        if (!many() && isNpy(file())) {
            return "preprocess: none (a .npy tensor is fed as is)";
        }
        choice();
        return pixels.line();
    }

    /** The preprocessing fields of a JSON record: preset, reason, whether it was guessed (null preset for a tensor). */
    public Map<String, Object> preprocessJson(boolean photo) {
        if (photo) {
            choice();
            return pixels.json();
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("preprocess", null);
        j.put("preprocess_reason", "a .npy tensor is fed as is");
        j.put("preprocess_guessed", false);
        return j;
    }

    private PreprocessDetection.Choice choice() {
        if (pixels.chosen()) {
            return pixels.choice();
        }
        ModelOptions model = command.mixins().values().stream().map(CommandSpec::userObject)
                .filter(ModelOptions.class::isInstance).map(ModelOptions.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("--preprocess is needed: this command reads no model"));
        return preprocessing(model.file(), model.graph());
    }

    /** The tensor to feed to {@code input}: [N, C, H, W] float32 (the single-input mode). */
    public INDArray tensor(Graph.Input input) {
        Read r = read(file(), input);
        described = r.described();
        return r.x();
    }

    /** The tensor of one input {@code file} for {@code input} and what was made of it. */
    public Read read(Path file, Graph.Input input) {
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
            return new Read(x, file + " " + Converters.shape(x.shape()) + " as is");
        }
        if (expected != null && (expected.length != 4 || expected[1] != 3)) {
            throw new IllegalArgumentException("model input '" + input.name() + "' " + Converters.shape(expected)
                    + " is not an RGB image [N,3,H,W]; pass a .npy tensor of that shape instead of " + file);
        }
        long h = side(expected, 2);
        long w = side(expected, 3);
        Integer size = pixels.size;
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
        Preprocess preset = preprocess();
        java.awt.image.BufferedImage image = Images.read(file);
        INDArray rgb = Images.resize(Images.rgb(image), (int) h, (int) w);
        INDArray x = preset.apply(rgb);
        pixels.warnIfGuessed(command.commandLine().getErr());
        return new Read(x, file + " (" + image.getWidth() + "x" + image.getHeight() + ", resized to " + w + "x" + h + ", "
                + preset.cliName() + ")");
    }

    /** The shape {@link #tensor} will return, from the .npy header or the model's input size, without reading pixels. */
    public long[] shape(Graph.Input input) {
        return shape(file(), input);
    }

    /** As {@link #shape(Graph.Input)} for one input {@code file}. */
    public long[] shape(Path file, Graph.Input input) {
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
        if (pixels.size != null) {
            return pixels.size;
        }
        return expected != null && expected[axis] > 0 ? expected[axis] : PixelOptions.DEFAULT_SIZE;
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
        if (!Files.isRegularFile(file)) {
            return false;    // reading it says what is wrong
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(6), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
