package org.xai4j.explain.inside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.io.Images;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;

/**
 * Dataset search over a folder of generated photos whose answer is known: a 1x1 convolution whose
 * channel 0 is the brightness (mean of R, G, B in [0, 1]) and channel 1 the darkness (1 - it).
 */
class TopPatchesTest {
    private static final int SIDE = 24;

    @TempDir
    Path dir;

    static Graph brightness() {
        INDArray w = Nd4j.create(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3, -1.0 / 3, -1.0 / 3, -1.0 / 3}, new long[] {2, 3, 1, 1}).castTo(DataType.FLOAT);
        INDArray b = Nd4j.create(new double[] {0, 1}).castTo(DataType.FLOAT);
        return new Graph(List.of(Graph.Input.of("input", -1, 3, SIDE, SIDE)),
                List.of(Node.of("c", new Conv2d(w, b, ConvSpec.DEFAULT), "input")), List.of("c"));
    }

    /** Twelve flat grey photos (levels 10, 30, ..., 230, in shuffled file order) and a black one with one white pixel at (5, 17). */
    private void photos() throws IOException {
        List<Integer> levels = new ArrayList<>();
        for (int g = 10; g <= 230; g += 20) {
            levels.add(g);
        }
        Collections.shuffle(levels, new Random(7));
        for (int i = 0; i < levels.size(); i++) {
            BufferedImage im = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
            int g = levels.get(i);
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    im.setRGB(x, y, g << 16 | g << 8 | g);
                }
            }
            ImageIO.write(im, "png", dir.resolve(String.format("photo_%02d_grey%d.png", i, g)).toFile());
        }
        BufferedImage spot = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
        spot.setRGB(17, 5, 0xFFFFFF);
        ImageIO.write(spot, "png", dir.resolve("photo_spot.png").toFile());
    }

    /** Streams the folder in batches of {@code rows}; after every batch no channel holds more than k hits. */
    private TopPatches search(TopPatches.Rank rank, int k, int rows) throws IOException {
        Graph graph = brightness();
        TopPatches search = new TopPatches(graph, "c", List.of(0, 1), k, rank);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        for (int from = 0; from < files.size(); from += rows) {
            List<Path> names = files.subList(from, Math.min(files.size(), from + rows));
            INDArray x = Nd4j.concat(0, names.stream().map(TopPatchesTest::tensor).toArray(INDArray[]::new));
            search.add(FeatureMaps.capture(graph, x, "c").activation(), names);
            for (List<TopPatches.Hit<Object>> hits : search.best().values()) {
                assertEquals(Math.min(k, search.seen()), hits.size(), "hits kept after " + search.seen() + " photos");
            }
        }
        assertEquals(files.size(), search.seen());
        return search;
    }

    private static INDArray tensor(Path f) {
        BufferedImage im = Images.read(f);
        INDArray x = Nd4j.create(DataType.FLOAT, 1, 3, SIDE, SIDE);
        for (int y = 0; y < SIDE; y++) {
            for (int c = 0; c < SIDE; c++) {
                int rgb = im.getRGB(c, y);
                for (int ch = 0; ch < 3; ch++) {
                    x.putScalar(new long[] {0, ch, y, c}, (rgb >> (16 - 8 * ch) & 0xFF) / 255.0);
                }
            }
        }
        return x;
    }

    private static List<String> names(List<TopPatches.Hit<Path>> hits) {
        return hits.stream().map(h -> h.item().getFileName().toString().replaceAll("photo_\\d+_", "").replace(".png", "")).toList();
    }

    @Test
    void byMeanTheBrightestAndTheDarkest() throws IOException {
        photos();
        Map<Integer, List<TopPatches.Hit<Path>>> best = search(TopPatches.Rank.MEAN, 3, 5).best();
        assertEquals(List.of("grey230", "grey210", "grey190"), names(best.get(0)));
        // Brightness 230/255 in float32: the conv adds three products, so a few ulps (1e-6).
        assertEquals(230 / 255.0, best.get(0).get(0).score(), 1e-6);
        // The spot photo is black but for one pixel: darker on average than grey 10.
        assertEquals(List.of("photo_spot", "grey10", "grey30"), names(best.get(1)));
    }

    @Test
    void byMaxTheOneBrightPixelWinsAtItsPosition() throws IOException {
        photos();
        List<TopPatches.Hit<Path>> hits = search(TopPatches.Rank.MAX, 3, 4).<Path>best().get(0);
        assertEquals(List.of("photo_spot", "grey230", "grey210"), names(hits));
        assertEquals(5, hits.get(0).y());
        assertEquals(17, hits.get(0).x());
        assertEquals(1.0, hits.get(0).score(), 1e-6);
    }

    @Test
    void kLargerThanTheFolderKeepsEveryPhotoBestFirst() throws IOException {
        photos();
        List<TopPatches.Hit<Path>> hits = search(TopPatches.Rank.MEAN, 50, 13).<Path>best().get(0);
        assertEquals(13, hits.size());
        for (int i = 1; i < hits.size(); i++) {
            assertTrue(hits.get(i - 1).score() >= hits.get(i).score());
        }
    }

    @Test
    void hostileArguments() {
        Graph graph = brightness();
        assertThrows(IllegalArgumentException.class, () -> new TopPatches(graph, "c", List.of(0), 0, TopPatches.Rank.MAX));
        TopPatches search = new TopPatches(graph, "c", List.of(2), 1, TopPatches.Rank.MAX);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> search.add(Nd4j.zeros(DataType.FLOAT, 1, 2, 3, 3), List.of("a")));
        assertTrue(e.getMessage().contains("channel 2") && e.getMessage().contains("0..1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> search.add(Nd4j.zeros(DataType.FLOAT, 2, 2, 3, 3), List.of("a")));
        assertTrue(e.getMessage().contains("one row per image"), e.getMessage());
    }
}
