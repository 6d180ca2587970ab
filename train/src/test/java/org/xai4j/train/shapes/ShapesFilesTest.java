package org.xai4j.train.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;

class ShapesFilesTest {

    @Test
    void writeToGivesImagesMasksBoxesAndLabels(@TempDir Path dir) throws Exception {
        Shapes shapes = Shapes.of(21, Mark.AGREES);
        shapes.writeTo(dir, 25);
        assertEquals(List.of("circle", "square", "triangle", "cross", "ring", "star"), Files.readAllLines(dir.resolve("labels.txt")));
        try (Stream<Path> images = Files.list(dir.resolve("images")); Stream<Path> masks = Files.list(dir.resolve("masks"))) {
            assertEquals(25, images.count());
            assertEquals(25, masks.count());
        }
        String boxes = Files.readString(dir.resolve("boxes.json"));
        String marks = Files.readString(dir.resolve("marks.json"));
        Matcher entry = Pattern.compile("\"(\\d{5}\\.png)\": \\[\\{\"class\": (\\d+), \"box\": \\[(\\d+), (\\d+), (\\d+), (\\d+)]}]").matcher(boxes);
        int entries = 0;
        while (entry.find()) {
            int i = Integer.parseInt(entry.group(1).substring(0, 5));
            ShapeSample s = shapes.sample(i);
            assertEquals(s.label(), Integer.parseInt(entry.group(2)));
            int[] box = {Integer.parseInt(entry.group(3)), Integer.parseInt(entry.group(4)), Integer.parseInt(entry.group(5)), Integer.parseInt(entry.group(6))};
            assertArrayEquals(s.box(), box);
            int[] m = s.markBox();
            assertTrue(marks.contains("\"" + entry.group(1) + "\": {\"code\": " + s.markCode() + ", \"box\": [" + m[0] + ", " + m[1] + ", " + m[2] + ", " + m[3] + "]}"));
            entries++;
        }
        assertEquals(25, entries);
        assertTrue(boxes.startsWith("{\n") && boxes.endsWith("]\n}\n") && !boxes.contains(",\n}"), "a JSON object without a trailing comma");
        assertTrue(Files.readString(dir.resolve("shapes.json")).contains("\"seed\": 21"));

        // The PNG read back through the command line's image path is the sample, bit for bit.
        ShapeSample s7 = shapes.sample(7);
        INDArray photo = Images.rgb(Images.read(dir.resolve("images/00007.png")));
        float[] bytes = new float[s7.rgb().length];
        for (int p = 0; p < bytes.length; p++) {
            bytes[p] = s7.rgb()[p] & 0xFF;
        }
        // assertArrayEquals on floats is exact (INDArray.equals would allow 1e-5).
        assertArrayEquals(bytes, photo.data().asFloat());
        BufferedImage mask = Images.read(dir.resolve("masks/00007.png"));
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                assertEquals(s7.mask()[y * 64 + x] != 0 ? 255 : 0, mask.getRaster().getSample(x, y, 0));
            }
        }
    }

    @Test
    void filesAreTheSameOnOneThreadAndOnMany(@TempDir Path dir) throws Exception {
        Shapes shapes = Shapes.of(22, Mark.RANDOM);
        for (int threads : new int[] {1, 3}) {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                pool.submit(() -> shapes.writeTo(dir.resolve("t" + threads), 40)).get();
            } finally {
                pool.shutdown();
            }
        }
        for (String name : List.of("boxes.json", "marks.json", "labels.txt", "shapes.json", "images/00000.png", "images/00039.png", "masks/00021.png")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("t1").resolve(name)), Files.readAllBytes(dir.resolve("t3").resolve(name)), name);
        }
        assertFalse(Files.exists(dir.resolve("none/marks.json")));
    }

    @Test
    void unmarkedSetsWriteNoMarksAndRefuseBadCounts(@TempDir Path dir) {
        Shapes shapes = Shapes.of(23, Mark.NONE);
        shapes.writeTo(dir, 3);
        assertFalse(Files.exists(dir.resolve("marks.json")));
        assertTrue(Files.exists(dir.resolve("images/00002.png")));
        assertThrows(IllegalArgumentException.class, () -> shapes.writeTo(dir, 0));
    }

    /** The source's batch is what the command line makes of the PNG with the same preprocessing. */
    @Test
    void sourceBatchIsTheCommandLinesInput(@TempDir Path dir) {
        Shapes shapes = Shapes.of(24, Mark.AGREES);
        shapes.writeTo(dir, 5);
        ShapesSource source = new ShapesSource(shapes, 1000, Preprocess.TORCHVISION);
        assertEquals(1000, source.size());
        assertEquals(6, source.classes());
        int[] indices = {3, 0, 3};
        INDArray x = Nd4j.create(DataType.FLOAT, 3, 3, 64, 64);
        int[] labels = new int[3];
        source.batch(indices, x, labels);
        assertArrayEquals(new int[] {shapes.label(3), shapes.label(0), shapes.label(3)}, labels);
        INDArray expected = Preprocess.TORCHVISION.apply(Images.rgb(Images.read(dir.resolve("images/00003.png"))));
        float[] rows = x.dup('c').data().asFloat(), image3 = expected.data().asFloat();
        int plane = 3 * 64 * 64;
        assertArrayEquals(image3, java.util.Arrays.copyOfRange(rows, 0, plane));
        assertArrayEquals(image3, java.util.Arrays.copyOfRange(rows, 2 * plane, 3 * plane));
        float[] image0 = Preprocess.TORCHVISION.apply(Images.rgb(Images.read(dir.resolve("images/00000.png")))).data().asFloat();
        assertArrayEquals(image0, java.util.Arrays.copyOfRange(rows, plane, 2 * plane));

        IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class,
                () -> source.batch(indices, Nd4j.create(DataType.FLOAT, 2, 3, 64, 64), labels));
        assertTrue(wrongShape.getMessage().contains("expected FLOAT[3, 3, 64, 64]"), wrongShape.getMessage());
        IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
                () -> source.batch(new int[] {1000}, Nd4j.create(DataType.FLOAT, 1, 3, 64, 64), new int[1]));
        assertTrue(outOfRange.getMessage().contains("accepted: 0 to 999"), outOfRange.getMessage());
    }
}
