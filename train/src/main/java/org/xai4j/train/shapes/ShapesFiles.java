package org.xai4j.train.shapes;

import java.awt.image.RenderedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * A shapes set on disk, for tools that read folders ({@code xai4j eval --images DIR --boxes
 * FILE}) and for people:
 * <pre>
 * images/00000.png   the pictures, 8-bit RGB
 * masks/00000.png    the object masks, 8-bit grey, 255 on the object
 * boxes.json         {"00000.png": [{"class": 3, "box": [x0, y0, x1, y1]}], ...}  (x1, y1 exclusive)
 * marks.json         {"00000.png": {"code": 3, "box": [x0, y0, x1, y1]}, ...}   (only with a mark)
 * labels.txt         one class name per line, in label order
 * shapes.json        seed, count and settings, to regenerate the set
 * </pre>
 * File names are the index padded to five digits (more for sets past 100000). Images are rendered
 * and encoded in parallel; the files are the same for any thread count.
 */
final class ShapesFiles {
    private ShapesFiles() {}

    static final int MAX_COUNT = 10_000_000;
    private static final int BLOCK = 4096;

    static void write(Shapes shapes, Path dir, int count) {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("shapes: count " + count + " refused; accepted: 1 to " + MAX_COUNT);
        }
        Path images = dir.resolve("images"), masks = dir.resolve("masks");
        try {
            Files.createDirectories(images);
            Files.createDirectories(masks);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + images + " and " + masks + ": " + e.getMessage(), e);
        }
        int digits = Math.max(5, String.valueOf(count - 1).length());
        boolean marked = shapes.spec().mark() != Mark.NONE;
        try (Writer boxes = Files.newBufferedWriter(dir.resolve("boxes.json"), StandardCharsets.UTF_8);
             Writer marks = marked ? Files.newBufferedWriter(dir.resolve("marks.json"), StandardCharsets.UTF_8) : Writer.nullWriter()) {
            boxes.write("{\n");
            marks.write("{\n");
            // Blocks keep the memory bounded for any count; within a block the images are parallel.
            for (int start = 0; start < count; start += BLOCK) {
                int end = Math.min(count, start + BLOCK);
                String[] boxLines = new String[end - start], markLines = new String[end - start];
                int first = start;
                IntStream.range(start, end).parallel().forEach(i -> {
                    ShapeSample s = shapes.sample(i);
                    String name = String.format(Locale.ROOT, "%0" + digits + "d.png", i);
                    png(s.image(), images.resolve(name));
                    png(s.maskImage(), masks.resolve(name));
                    String separator = i + 1 < count ? ",\n" : "\n";
                    boxLines[i - first] = "  " + quote(name) + ": [{\"class\": " + s.label() + ", \"box\": " + array(s.box()) + "}]" + separator;
                    if (s.markBox() != null) {
                        markLines[i - first] = "  " + quote(name) + ": {\"code\": " + s.markCode() + ", \"box\": " + array(s.markBox()) + "}" + separator;
                    }
                });
                for (int k = 0; k < boxLines.length; k++) {
                    boxes.write(boxLines[k]);
                    if (marked) {
                        marks.write(markLines[k]);
                    }
                }
            }
            boxes.write("}\n");
            marks.write("}\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("boxes.json") + ": " + e.getMessage(), e);
        }
        text(dir.resolve("labels.txt"), String.join("\n", shapes.labels()) + "\n");
        text(dir.resolve("shapes.json"), settings(shapes, count));
    }

    private static String settings(Shapes shapes, int count) {
        ShapesSpec spec = shapes.spec();
        StringBuilder classes = new StringBuilder();
        for (String name : shapes.labels()) {
            classes.append(classes.length() == 0 ? "" : ", ").append(quote(name));
        }
        return String.format(Locale.ROOT, "{\n  \"generator\": \"xai4j shapes\",\n  \"seed\": %d,\n  \"count\": %d,\n  \"size\": %d,\n"
                        + "  \"mark\": \"%s\",\n  \"markSize\": %d,\n  \"minRadius\": %s,\n  \"maxRadius\": %s,\n  \"maxStrokes\": %d,\n"
                        + "  \"classes\": [%s]\n}\n",
                shapes.seed(), count, spec.size(), spec.mark().fileName(), spec.markSize(),
                Double.toString(spec.minRadius()), Double.toString(spec.maxRadius()), spec.maxStrokes(), classes);
    }

    private static String array(int[] v) {
        return "[" + v[0] + ", " + v[1] + ", " + v[2] + ", " + v[3] + "]";
    }

    /** A JSON string; class names are the only free text and may hold quotes or backslashes. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static void png(RenderedImage image, Path file) {
        try {
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer in this Java runtime");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void text(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
