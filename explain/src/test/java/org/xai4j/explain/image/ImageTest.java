package org.xai4j.explain.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ImageTest {
    /** 0, 1/11, ..., 1 over a 3 x 4 map, row by row. */
    private static final INDArray RAMP = ramp();

    private static INDArray ramp() {
        double[] v = new double[12];
        for (int i = 0; i < 12; i++) {
            v[i] = i / 11.0;
        }
        return Nd4j.create(v, new long[] {3, 4}, DataType.DOUBLE);
    }

    @Test
    void colormapEndsAreMatplotlibs() {
        assertEquals(0x000080, Colormap.JET.rgb(0));      // (0, 0, 0.5)
        assertEquals(0x800000, Colormap.JET.rgb(1));      // (0.5, 0, 0)
        // red (0.5 - 0.35)/(0.66 - 0.35) = 0.4839, green 1, blue 1 - (0.5 - 0.34)/(0.65 - 0.34) = 0.4839
        assertEquals(0x7BFF7B, Colormap.JET.rgb(0.5));
        assertEquals(0x440154, Colormap.VIRIDIS.rgb(0));  // viridis #440154
        assertEquals(0xFDE725, Colormap.VIRIDIS.rgb(1));  // viridis #fde725
        assertEquals(0x808080, Colormap.GRAY.rgb(0.5));
        assertEquals(Colormap.GRAY.rgb(0), Colormap.GRAY.rgb(-3));
    }

    @Test
    void overlayBlendsPhotoAndHeatmapByAlpha() {
        BufferedImage photo = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        photo.setRGB(1, 1, 0x204060);
        BufferedImage heat = Overlay.heatmap(RAMP, Colormap.JET, Normalization.minMax());
        assertEquals(Colormap.JET.rgb(0) , heat.getRGB(0, 0) & 0xffffff);
        assertEquals(Colormap.JET.rgb(1), heat.getRGB(3, 2) & 0xffffff);
        assertEquals(0x204060, Overlay.over(photo, RAMP, Colormap.JET, 0, Normalization.minMax()).getRGB(1, 1) & 0xffffff);
        assertEquals(heat.getRGB(1, 1), Overlay.over(photo, RAMP, Colormap.JET, 1, Normalization.minMax()).getRGB(1, 1));
        int half = Overlay.over(photo, RAMP, Colormap.GRAY, 0.5, Normalization.minMax()).getRGB(1, 1) & 0xffffff;
        int grey = Colormap.GRAY.rgb(5.0 / 11) & 0xff;
        assertEquals(Math.round((0x20 + grey) / 2.0), half >> 16 & 0xff);
        assertThrows(IllegalArgumentException.class, () -> Overlay.over(photo, RAMP, Colormap.JET, 1.5, Normalization.minMax()));
    }

    @Test
    void percentileNormalizationSaturatesTheTails() {
        INDArray spike = RAMP.dup();
        spike.putScalar(2, 3, 1000);
        BufferedImage plain = Overlay.heatmap(spike, Colormap.GRAY, Normalization.minMax());
        BufferedImage clipped = Overlay.heatmap(spike, Colormap.GRAY, Normalization.percentiles(0, 90));
        assertEquals(0, plain.getRGB(2, 2) & 0xff);  // the spike makes everything else black
        assertTrue((clipped.getRGB(2, 2) & 0xff) > 200);
    }

    @Test
    void figuresAndPngsRoundTrip(@TempDir Path dir) throws Exception {
        BufferedImage a = Overlay.photo(Nd4j.rand(DataType.FLOAT, 1, 3, 20, 30));
        BufferedImage b = Overlay.heatmap(RAMP, Colormap.VIRIDIS, Normalization.minMax());
        BufferedImage figure = Figure.sideBySide(List.of(new Figure.Panel("input", a), new Figure.Panel("Grad-CAM", b)));
        assertTrue(figure.getWidth() >= 30 + 20 * 4 / 3 && figure.getHeight() > 20, figure.getWidth() + "x" + figure.getHeight());
        Path file = dir.resolve("out/figure.png");
        Overlay.writePng(figure, file);
        BufferedImage back = ImageIO.read(Files.newInputStream(file));
        assertEquals(figure.getWidth(), back.getWidth());
        assertEquals(figure.getRGB(figure.getWidth() / 2, figure.getHeight() - 10), back.getRGB(figure.getWidth() / 2, figure.getHeight() - 10));
    }
}
