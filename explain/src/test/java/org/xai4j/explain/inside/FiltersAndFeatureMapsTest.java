package org.xai4j.explain.inside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.explain.image.Colormap;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.ReLU;

/** Filter and feature-map pictures: which channels, how scaled, how laid out. */
class FiltersAndFeatureMapsTest {

    /** conv 3->5 3x3 "first" on the input -> ReLU -> conv 5->4 3x3 "second"; weights 0, 1, 2, ... in OIHW order. */
    static Graph twoConvs() {
        INDArray w1 = Nd4j.linspace(0, 5 * 27 - 1, 5 * 27, DataType.FLOAT).reshape(5, 3, 3, 3);
        INDArray w2 = Nd4j.linspace(0, 4 * 45 - 1, 4 * 45, DataType.FLOAT).reshape(4, 5, 3, 3);
        return new Graph(List.of(Graph.Input.of("input", -1, 3, 8, 8)), List.of(
                Node.of("first", new Conv2d(w1, Nd4j.zeros(DataType.FLOAT, 5), ConvSpec.DEFAULT.withPadding(1)), "input"),
                Node.of("relu", new ReLU(), "first"),
                Node.of("second", new Conv2d(w2, Nd4j.zeros(DataType.FLOAT, 4), ConvSpec.DEFAULT), "relu")), List.of("second"));
    }

    @Test
    void firstFiltersInColourEachScaledOverItsOwnValues() {
        Graph g = twoConvs();
        assertEquals("first", Filters.first(g));
        assertEquals(List.of("first", "second"), Filters.convolutions(g));
        Filters.Picture p = Filters.draw(g, "first", 3, false, 16);
        assertTrue(p.colour());
        assertEquals(3, p.shown());
        assertEquals(5, p.filters());
        // Filter k holds 27k .. 27k+26: red is its first 9 values, so red of pixel (0,0) is the minimum
        // (0) and blue of pixel (2,2) the maximum (255), whichever k.
        List<Grid.Tile> tiles = Filters.tiles(((Conv2d) g.node("first").layer()).weight(), true, 5, false);
        assertEquals(5, tiles.size());
        for (Grid.Tile t : tiles) {
            assertEquals(3, t.image().getWidth());
            assertEquals(3, t.image().getHeight());
            assertEquals(0, t.image().getRGB(0, 0) >> 16 & 0xFF);
            assertEquals(255, t.image().getRGB(2, 2) & 0xFF);
            // Green of pixel (1,1): value 9 + 4 = 13 of 0..26 -> round(255 * 13 / 26) = 128.
            assertEquals(128, t.image().getRGB(1, 1) >> 8 & 0xFF);
        }
        // BGR input: the picture's red is the filter's third channel.
        BufferedImage bgr = Filters.tiles(((Conv2d) g.node("first").layer()).weight(), true, 1, true).get(0).image();
        assertEquals(255, bgr.getRGB(2, 2) >> 16 & 0xFF);
    }

    @Test
    void deeperFiltersGreyMeanOverInputChannels() {
        Graph g = twoConvs();
        Filters.Picture p = Filters.draw(g, "second", 256, false, 16);
        assertFalse(p.colour());
        assertEquals(4, p.shown());
        // The mean over 5 channels of filter k at pixel i is 45k + 18 + i: grey 0 at (0,0), 255 at (2,2).
        for (Grid.Tile t : Filters.tiles(((Conv2d) g.node("second").layer()).weight(), false, 4, false)) {
            assertEquals(Colormap.GRAY.rgb(0), rgb(t.image(), 0, 0));
            assertEquals(Colormap.GRAY.rgb(1), rgb(t.image(), 2, 2));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Filters.draw(g, "relu", 8, false, 16));
        assertTrue(e.getMessage().contains("not a convolution") && e.getMessage().contains("second"), e.getMessage());
    }

    @Test
    void featureMapsOfChosenChannelsSharedAndPerChannelScale() {
        // Channel c of a [1, 6, 2, 3] activation holds 10c .. 10c + 5 (channel 1 at (2,1) is 15: 5/45 of the shared range 10..55).
        INDArray a = Nd4j.create(DataType.FLOAT, 1, 6, 2, 3);
        for (int c = 0; c < 6; c++) {
            for (int i = 0; i < 6; i++) {
                a.putScalar(new long[] {0, c, i / 3, i % 3}, 10 * c + i);
            }
        }
        double[] range = new double[2];
        List<Grid.Tile> shared = FeatureMaps.tiles(a, List.of(5, 1), FeatureMaps.Scale.SHARED, Colormap.VIRIDIS, range);
        assertEquals(List.of("5", "1"), shared.stream().map(Grid.Tile::label).toList());
        assertEquals(10, range[0]);
        assertEquals(55, range[1]);
        assertEquals(3, shared.get(0).image().getWidth());
        assertEquals(2, shared.get(0).image().getHeight());
        assertEquals(Colormap.VIRIDIS.rgb(1), rgb(shared.get(0).image(), 2, 1));
        assertEquals(Colormap.VIRIDIS.rgb(0), rgb(shared.get(1).image(), 0, 0));
        assertEquals(Colormap.VIRIDIS.rgb(5 / 45.0), rgb(shared.get(1).image(), 2, 1));
        List<Grid.Tile> own = FeatureMaps.tiles(a, List.of(5, 1), FeatureMaps.Scale.CHANNEL, Colormap.VIRIDIS, range);
        for (Grid.Tile t : own) {
            assertEquals(Colormap.VIRIDIS.rgb(0), rgb(t.image(), 0, 0));
            assertEquals(Colormap.VIRIDIS.rgb(1), rgb(t.image(), 2, 1));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureMaps.grid("t", a, List.of(6), FeatureMaps.Scale.SHARED, Colormap.VIRIDIS, 64));
        assertTrue(e.getMessage().contains("channel 6") && e.getMessage().contains("0..5"), e.getMessage());
    }

    /** ceil(sqrt(n)) columns: 4, 9 and 16 channels make 2, 3 and 4 rows of equal cells, so the heights step evenly. */
    @Test
    void gridGrowsByWholeRows() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 1, 16, 4, 4);
        int[] heights = new int[3];
        int[] widths = new int[3];
        int[] n = {4, 9, 16};
        for (int i = 0; i < 3; i++) {
            List<Integer> channels = java.util.stream.IntStream.range(0, n[i]).boxed().toList();
            BufferedImage im = FeatureMaps.grid("t", a, channels, FeatureMaps.Scale.SHARED, Colormap.VIRIDIS, 64);
            heights[i] = im.getHeight();
            widths[i] = im.getWidth();
        }
        assertEquals(heights[1] - heights[0], heights[2] - heights[1]);
        assertEquals(widths[1] - widths[0], widths[2] - widths[1]);
        assertTrue(heights[1] - heights[0] >= 160, "a row is at least a 160-pixel tile: " + (heights[1] - heights[0]));
    }

    @Test
    void captureTakesTheNodesOutputAndLeavesNoHook() {
        Graph g = twoConvs();
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 8, 8);
        FeatureMaps.Capture c = FeatureMaps.capture(g, x, "relu");
        INDArray expected = g.run(java.util.Map.of("input", x), List.of("relu")).get("relu");
        assertEquals(expected, c.activation());
        assertEquals(g.run(java.util.Map.of("input", x), List.of("second")).get("second"), c.outputs().get("second"));
    }

    /** The picture's colour without the alpha byte that {@code getRGB} adds. */
    private static int rgb(BufferedImage im, int x, int y) {
        return im.getRGB(x, y) & 0xFFFFFF;
    }
}
