package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.imageio.ImageIO;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.protobuf.ByteString;
import org.xai4j.testing.Shared;

/**
 * A seeded mutation fuzz of the ONNX, Keras H5, .npy and image fixtures through the command
 * line's own entry point: every case must end in one clean error line or a valid result. Byte
 * flips, truncation and extension hit every format; header edits aim at what a file declares
 * (dimensions, pads, strides, kernel sizes, raw_data lengths, an input shape, image sizes) and
 * value edits plant NaN and infinity in weights and inputs.
 *
 * <p>A native crash of the JVM cannot be caught in-process: it fails the whole test run, which
 * is the intended outcome. The cases that crashed natively before (huge declared shapes) are
 * covered by the memory budget, checked before any native allocation ({@link HostileInputTest}).
 */
class MutationFuzzTest {
    /** 1000 cases in all, about a minute on 2 cores; more ONNX and H5 cases, where the header edits have most to hit. */
    private static final int ONNX = 340, NPY = 200, IMAGE = 260, H5 = 200;
    private static final long SEED = 20261206L;
    /** A clean case takes under 3 s here; a minute means the command is stuck, not slow. */
    private static final int TIMEOUT_SECONDS = 60;

    enum Outcome { CLEAN_ERROR, VALID_RESULT, CRASH, HANG, OUT_OF_MEMORY, STACK_TRACE }

    @TempDir
    Path dir;

    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-case");
        t.setDaemon(true);
        return t;
    });

    @Test
    void everyMutatedFileEndsInACleanErrorOrAValidResult() throws Exception {
        Path tiny = Shared.require("oracle/tiny/tiny.default.onnx");
        Path input = Shared.require("oracle/tiny/input.npy");
        Path keras = Shared.require("assets/models/teachable_machine_catdog/keras_model.h5");
        Path photoPng = small(Shared.require("assets/images/skimage_coffee.png"), "png");
        Path photoJpg = small(Shared.require("assets/images/zebra.jpg"), "jpg");

        Map<Outcome, Integer> table = new EnumMap<>(Outcome.class);
        Map<String, Map<Outcome, Integer>> byFormat = new java.util.LinkedHashMap<>();
        List<String> bad = new ArrayList<>();
        long start = System.nanoTime();
        int n = 0;
        for (int i = 0; i < ONNX + NPY + IMAGE + H5; i++) {
            Random rng = new Random(SEED + i);
            String format;
            Path f;
            String[] args;
            if (i < ONNX) {
                format = "onnx";
                f = write("case" + i + ".onnx", mutateOnnx(Files.readAllBytes(tiny), rng));
                args = i % 2 == 0 ? new String[] {"layers", "--model", f.toString()}
                        : new String[] {"predict", "--model", f.toString(), "--input", input.toString()};
            } else if (i < ONNX + NPY) {
                format = "npy";
                f = write("case" + i + ".npy", mutateNpy(Files.readAllBytes(input), rng));
                args = new String[] {"predict", "--model", tiny.toString(), "--input", f.toString()};
            } else if (i < ONNX + NPY + IMAGE) {
                format = i % 2 == 0 ? "png" : "jpeg";
                f = write("case" + i + (i % 2 == 0 ? ".png" : ".jpg"),
                        mutateImage(Files.readAllBytes(i % 2 == 0 ? photoPng : photoJpg), i % 2 == 0, rng));
                args = new String[] {"predict", "--model", tiny.toString(), "--input", f.toString()};
            } else {
                format = "h5";
                f = write("case" + i + ".h5", mutateH5(Files.readAllBytes(keras), rng));
                args = i % 2 == 0 ? new String[] {"layers", "--model", f.toString()}
                        : new String[] {"predict", "--model", f.toString(), "--input", photoJpg.toString()};
            }
            Outcome o = run(args, bad, i);
            table.merge(o, 1, Integer::sum);
            byFormat.computeIfAbsent(format, k -> new EnumMap<>(Outcome.class)).merge(o, 1, Integer::sum);
            Files.deleteIfExists(f);
            n++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder report = new StringBuilder(String.format("%nmutation fuzz: %d cases in %.0f s (seed %d)%n", n, seconds, SEED));
        report.append(String.format("%-8s", "format"));
        for (Outcome o : Outcome.values()) {
            report.append(String.format("%14s", o.name().toLowerCase().replace('_', ' ')));
        }
        report.append('\n');
        byFormat.put("all", table);
        byFormat.forEach((format, counts) -> {
            report.append(String.format("%-8s", format));
            for (Outcome o : Outcome.values()) {
                report.append(String.format("%14d", counts.getOrDefault(o, 0)));
            }
            report.append('\n');
        });
        System.out.println(report);
        assertTrue(n >= 500, "at least 500 cases");
        assertEquals(List.of(), bad, report.toString());
        runner.shutdownNow();
    }

    /** One command in-process with a timeout; anything but a clean error or a valid result is recorded in {@code bad}. */
    private Outcome run(String[] args, List<String> bad, int i) throws Exception {
        Future<Cli.Result> f = runner.submit(() -> Cli.run(args));
        Cli.Result r;
        try {
            r = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            bad.add("case " + i + " hung: " + String.join(" ", args));
            return Outcome.HANG;
        } catch (java.util.concurrent.ExecutionException e) {
            bad.add("case " + i + " threw " + e.getCause() + ": " + String.join(" ", args));
            return Outcome.STACK_TRACE;
        }
        String err = r.err().strip();
        if (r.exit() == 0) {
            if (!r.out().isBlank() && !err.contains("Exception")) {
                return Outcome.VALID_RESULT;
            }
            bad.add("case " + i + " exit 0 with stderr " + err);
            return Outcome.STACK_TRACE;
        }
        if (err.contains("out of memory")) {
            bad.add("case " + i + ": " + err);
            return Outcome.OUT_OF_MEMORY;
        }
        boolean oneLine = err.lines().count() == 1 && err.startsWith("xai4j: error: ");
        boolean clean = oneLine && !err.contains("internal error") && !err.contains("Exception") && !err.contains("\tat ");
        if (clean) {
            return Outcome.CLEAN_ERROR;
        }
        bad.add("case " + i + " (" + String.join(" ", args) + "): " + err.lines().limit(3).toList());
        return Outcome.STACK_TRACE;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    /** The photo at 48 x 40 pixels, so that image cases decode in milliseconds. */
    private Path small(Path photo, String format) throws IOException {
        BufferedImage src = ImageIO.read(photo.toFile());
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        img.getGraphics().drawImage(src, 0, 0, 48, 40, null);
        Path f = dir.resolve("small." + format);
        ImageIO.write(img, format.equals("jpg") ? "jpeg" : format, f.toFile());
        return f;
    }

    // ---- mutations ----

    private static final long[] HOSTILE = {0, -1, -7, 100000, 1L << 31, 1L << 40, Long.MAX_VALUE, 9999};

    /** Flip 1-8 bits, cut the file, or extend it with random bytes. */
    private static byte[] bytes(byte[] b, Random rng) {
        switch (rng.nextInt(3)) {
            case 0 -> {
                byte[] m = b.clone();
                for (int k = 1 + rng.nextInt(8); k > 0; k--) {
                    m[rng.nextInt(m.length)] ^= (byte) (1 << rng.nextInt(8));
                }
                return m;
            }
            case 1 -> {
                return Arrays.copyOf(b, rng.nextInt(b.length));
            }
            default -> {
                byte[] m = Arrays.copyOf(b, b.length + 1 + rng.nextInt(4096));
                for (int k = b.length; k < m.length; k++) {
                    m[k] = (byte) rng.nextInt(256);
                }
                return m;
            }
        }
    }

    private static byte[] mutateOnnx(byte[] b, Random rng) throws IOException {
        int kind = rng.nextInt(6);
        if (kind < 2) {
            return bytes(b, rng);
        }
        Onnx.ModelProto.Builder m = Onnx.ModelProto.parseFrom(b).toBuilder();
        Onnx.GraphProto.Builder g = m.getGraphBuilder();
        long v = HOSTILE[rng.nextInt(HOSTILE.length)];
        switch (kind) {
            case 2 -> {
                // The input's declared shape.
                Onnx.TensorShapeProto.Builder s = g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                s.getDimBuilder(rng.nextInt(s.getDimCount())).setDimValue(v);
            }
            case 3 -> {
                // An integer attribute: pads, strides, kernel_shape, dilations, group, axis.
                Onnx.NodeProto.Builder node = g.getNodeBuilder(rng.nextInt(g.getNodeCount()));
                if (node.getAttributeCount() > 0) {
                    Onnx.AttributeProto.Builder a = node.getAttributeBuilder(rng.nextInt(node.getAttributeCount()));
                    if (a.getIntsCount() > 0) {
                        a.setInts(rng.nextInt(a.getIntsCount()), v);
                    } else {
                        a.setI(v);
                    }
                }
            }
            case 4 -> {
                // An initializer's dims or the length of its raw_data.
                Onnx.TensorProto.Builder t = g.getInitializerBuilder(rng.nextInt(g.getInitializerCount()));
                if (rng.nextBoolean() && t.getDimsCount() > 0) {
                    t.setDims(rng.nextInt(t.getDimsCount()), v);
                } else {
                    byte[] raw = t.getRawData().toByteArray();
                    t.setRawData(ByteString.copyFrom(Arrays.copyOf(raw, rng.nextBoolean() ? raw.length / 2 : raw.length + 4)));
                }
            }
            default -> {
                // NaN or infinity planted in a float initializer.
                Onnx.TensorProto.Builder t = g.getInitializerBuilder(rng.nextInt(g.getInitializerCount()));
                byte[] raw = t.getRawData().toByteArray();
                if (t.getDataType() == Onnx.TensorProto.DataType.FLOAT_VALUE && raw.length >= 4) {
                    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN)
                            .putFloat(4 * rng.nextInt(raw.length / 4), rng.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY);
                    t.setRawData(ByteString.copyFrom(raw));
                }
            }
        }
        return m.build().toByteArray();
    }

    private static final String[] NPY_SHAPES = {"(1, 3, -32, -32)", "(-1, -3, 32, 32)", "(3, 6148914691236517206)",
        "(4611686018427387910,)", "(0, 3, 32, 32)", "(1, 3, 32, 33)", "(1, 3, 99999999999999999999, 1)", "(1, 3072)",
        "(1, 3, 32)", "()", "(1, 3, 32, 32, 1)", "(1, 1, 32, 96)", "(3, 1, 32, 32)", "(1,3,32,32"};

    private static byte[] mutateNpy(byte[] b, Random rng) {
        int kind = rng.nextInt(4);
        if (kind == 0) {
            return bytes(b, rng);
        }
        String text = new String(b, StandardCharsets.ISO_8859_1);
        if (kind == 1) {
            // Shape edits keep the header's length, as a tool editing it in place would.
            int open = text.indexOf("'shape': (");
            int close = text.indexOf(')', open) + 1;
            String shape = NPY_SHAPES[rng.nextInt(NPY_SHAPES.length)];
            String header = text.substring(0, open) + "'shape': " + shape + text.substring(close);
            int end = header.indexOf('\n');
            int want = text.indexOf('\n');
            header = end < want ? header.substring(0, end) + " ".repeat(want - end) + header.substring(end)
                    : header.substring(0, want) + header.substring(end);
            return header.getBytes(StandardCharsets.ISO_8859_1);
        }
        if (kind == 2) {
            String[] dtypes = {"<f2", ">f4", "<i4", "<f8", "|u1", "<c8"};
            return text.replace("<f4", dtypes[rng.nextInt(dtypes.length)]).getBytes(StandardCharsets.ISO_8859_1);
        }
        byte[] m = b.clone();
        int data = text.indexOf('\n') + 1;
        for (int k = 1 + rng.nextInt(3); k > 0; k--) {
            int at = data + 4 * rng.nextInt((m.length - data) / 4);
            float bad = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[rng.nextInt(3)];
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putFloat(at, bad);
        }
        return m;
    }

    private static byte[] mutateImage(byte[] b, boolean png, Random rng) {
        if (rng.nextInt(3) > 0) {
            return bytes(b, rng);
        }
        byte[] m = b.clone();
        int[] sizes = {0, 1, 65535, 30000, 100000};
        int w = sizes[rng.nextInt(sizes.length)];
        int h = sizes[rng.nextInt(sizes.length)];
        if (png) {
            // IHDR width and height, with or without a matching CRC.
            ByteBuffer.wrap(m, 16, 8).putInt(w).putInt(h);
            if (rng.nextBoolean()) {
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(m, 12, 17);
                ByteBuffer.wrap(m, 29, 4).putInt((int) crc.getValue());
            }
            return m;
        }
        // The frame header (SOF0, FF C0): 16-bit height and width after length and precision.
        for (int i = 2; i + 9 < m.length; i++) {
            if ((m[i] & 0xff) == 0xff && (m[i + 1] & 0xff) == 0xc0) {
                ByteBuffer.wrap(m, i + 5, 4).putShort((short) h).putShort((short) w);
                break;
            }
        }
        return m;
    }

    /** Same-length edits of model_config (a fixed-size HDF5 attribute) and NaN planted in the weights. */
    private static final String[][] CONFIG = {
        {"[null, 224, 224, 3]", "[null,9999,9999, 3]"}, {"[null, 224, 224, 3]", "[null, -24, 224, 3]"},
        {"[null, 224, 224, 3]", "[null, 000, 224, 3]"}, {"[null, 224, 224, 3]", "[null, 224, 224, 9]"},
        {"\"strides\": [2, 2]", "\"strides\": [0, 2]"}, {"\"kernel_size\": [3, 3]", "\"kernel_size\": [9, 3]"},
        {"\"epsilon\": 0.001", "\"epsilon\": -0.01"}, {"\"units\": 2", "\"units\": 9"}, {"\"padding\": \"same\"", "\"padding\": \"sane\""},
    };

    private static byte[] mutateH5(byte[] b, Random rng) {
        int kind = rng.nextInt(3);
        if (kind == 0) {
            return bytes(b, rng);
        }
        if (kind == 1) {
            String[] edit = CONFIG[rng.nextInt(CONFIG.length)];
            String text = new String(b, StandardCharsets.ISO_8859_1);
            return text.replaceFirst(java.util.regex.Pattern.quote(edit[0]), edit[1]).getBytes(StandardCharsets.ISO_8859_1);
        }
        // Weights fill the back of the file: plant float NaN/infinity at aligned offsets there.
        byte[] m = b.clone();
        for (int k = 1 + rng.nextInt(4); k > 0; k--) {
            int at = (m.length / 4 + rng.nextInt(m.length * 3 / 4 - 4)) & ~3;
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putFloat(at, rng.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY);
        }
        return m;
    }
}
