package org.xai4j.explain.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.explain.Maps;

/** The drawing helpers of self-explaining pictures: colour bars, centred ranges, aspect, signs, same maps. */
class PicturesTest {

    @Test
    void colourBarTicksAreTheRangeAndItsQuarters() {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        var metrics = g.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.dispose();
        ColorBar plain = new ColorBar(Colormap.JET, new Normalization.Range(0, 0.8, false));
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6000000000000001, 0.8}, plain.ticks(600, metrics), 1e-15);
        assertArrayEquals(new double[] {0, 0.4, 0.8}, plain.ticks(60, metrics), 1e-15, "narrow bars get three numbers");
        ColorBar centred = new ColorBar(Colormap.RDBU_R, new Normalization.Range(-0.3, 0.3, true));
        double[] t = centred.ticks(600, metrics);
        assertEquals(0, t[2], 0, "a centred bar has exactly 0 in its middle");
        assertEquals(-0.3, t[0], 0);
        assertEquals(0.3, t[4], 0);

        assertEquals("0", ColorBar.label(0));
        assertEquals("0.37", ColorBar.label(0.37));
        assertEquals("13.3", ColorBar.label(13.2783));
        assertEquals("-0.0945", ColorBar.label(-0.09451));
        assertEquals("1.2e-05", ColorBar.label(1.2e-5));
        assertEquals("1e-05", ColorBar.label(1e-5));
        assertEquals("-4.57e+04", ColorBar.label(-45678));
    }

    @Test
    void aDrawnColourBarRunsFromTheFirstColourToTheLast() {
        BufferedImage out = new BufferedImage(300, 60, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        new ColorBar(Colormap.VIRIDIS, new Normalization.Range(2, 5, false)).draw(g, 0, 0, 300);
        g.dispose();
        // Inside the 1-pixel frame: column 1 is t = 1/299, column 298 is t = 298/299.
        assertEquals(Colormap.VIRIDIS.rgb(1 / 299.0), out.getRGB(1, 5) & 0xffffff);
        assertEquals(Colormap.VIRIDIS.rgb(298 / 299.0), out.getRGB(298, 5) & 0xffffff);
        assertEquals(Colormap.VIRIDIS.rgb(150 / 299.0), out.getRGB(150, 5) & 0xffffff);
    }

    @Test
    void divergingMapsPutZeroInTheMiddleAndKeepTheSign() {
        double[] v = new double[101];
        for (int i = 0; i < v.length; i++) {
            v[i] = -1 + 6.0 * i / 100;  // -1 .. 5: mostly positive
        }
        Normalization.Range r = Normalization.centred(0, 100).range(v);
        assertEquals(-5, r.low(), 1e-12, "symmetric: [-m, m] with m = max(|min|, |max|)");
        assertEquals(5, r.high(), 1e-12);
        assertEquals(0.5, r.t(0), 0);
        assertEquals(0.4, r.t(-1), 1e-12, "a negative value stays below the middle");
        assertEquals(0.5, Normalization.centred(1, 99).range(new double[] {0, 0, 0}).t(0), 0, "all zero: the middle colour");
        Normalization.Range clipped = Normalization.centred(1, 99).range(v);
        assertEquals(Math.abs(-1 + 6.0 * 0.99), clipped.high(), 1e-12, "m from the 99th percentile (the larger magnitude)");

        assertEquals(0xF7F7F7, Colormap.RDBU_R.rgb(0.5), "ColorBrewer RdBu's middle");
        assertEquals(0x053061, Colormap.RDBU_R.rgb(0), "negative end blue");
        assertEquals(0x67001F, Colormap.RDBU_R.rgb(1), "positive end red");
        int mid = Colormap.COOLWARM.rgb(0.5);
        assertEquals(mid >> 16 & 0xff, mid & 0xff, 1, "coolwarm's middle is grey");
        assertTrue(Colormap.RDBU_R.diverging() && Colormap.COOLWARM.diverging() && !Colormap.JET.diverging());
        assertEquals(Colormap.RDBU_R, Colormap.named("RdBu_r"));
        assertThrows(IllegalArgumentException.class, () -> Colormap.named("rainbow"));
        // matplotlib's end colours (inferno #000004 and #fcffa4, turbo #30123b and #7a0403)
        assertEquals(0x000004, Colormap.INFERNO.rgb(0));
        assertEquals(0xFCFFA4, Colormap.INFERNO.rgb(1));
        assertEquals(0x30123B, Colormap.TURBO.rgb(0));
        assertEquals(0x7A0403, Colormap.TURBO.rgb(1));
    }

    @Test
    void signedPlanesHaveTheMagnitudeOfTheAbsolutePlaneAndKeepTheSign() {
        // Two pixels, three channels: pixel 0 (0.2, -0.9, 0.5), pixel 1 (0.3, 0.1, -0.2).
        INDArray a = Nd4j.create(new double[] {0.2, 0.3, -0.9, 0.1, 0.5, -0.2}, new long[] {1, 3, 1, 2}, DataType.DOUBLE);
        assertArrayEquals(new double[] {-0.9, 0.3}, plane(a, Maps.Aggregation.ABS_MAX, Planes.Sign.SIGNED), 1e-12);
        assertArrayEquals(new double[] {0.9, 0.3}, plane(a, Maps.Aggregation.ABS_MAX, Planes.Sign.ABS), 1e-12);
        assertArrayEquals(new double[] {0, 0.3}, plane(a, Maps.Aggregation.ABS_MAX, Planes.Sign.POSITIVE), 1e-12);
        assertArrayEquals(new double[] {-0.2, 0.2}, plane(a, Maps.Aggregation.ABS_SUM, Planes.Sign.SIGNED), 1e-12);
        assertArrayEquals(new double[] {0.2, 0.2}, plane(a, Maps.Aggregation.ABS_SUM, Planes.Sign.ABS), 1e-12);
        assertArrayEquals(new double[] {0, 0.2}, plane(a, Maps.Aggregation.ABS_SUM, Planes.Sign.POSITIVE), 1e-12);

        Random random = new Random(3);
        double[] v = new double[2 * 3 * 5 * 7];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        INDArray b = Nd4j.create(v, new long[] {2, 3, 5, 7}, DataType.DOUBLE);
        for (Maps.Aggregation how : List.of(Maps.Aggregation.ABS_MAX, Maps.Aggregation.ABS_SUM)) {
            double[] signed = plane(b, how, Planes.Sign.SIGNED);
            double[] abs = plane(b, how, Planes.Sign.ABS);
            for (int i = 0; i < signed.length; i++) {
                assertEquals(abs[i], Math.abs(signed[i]), 1e-12, how + " pixel " + i);
            }
        }
    }

    private static double[] plane(INDArray a, Maps.Aggregation how, Planes.Sign sign) {
        return Planes.of(a, how, sign).castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    @Test
    void overlaysKeepThePhotosSizeAndPutTheMapWhereItBelongs() {
        // A 60 x 40 photo (landscape) that the model saw squashed to 8 x 8; the map is hot in its
        // top-left quarter only. On the photo the heat must cover the top-left 30 x 20 pixels.
        BufferedImage photo = new BufferedImage(60, 40, BufferedImage.TYPE_INT_RGB);
        double[] m = new double[64];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                m[i * 8 + j] = 1;
            }
        }
        INDArray map = Nd4j.create(m, new long[] {1, 8, 8}, DataType.DOUBLE);
        BufferedImage out = Overlay.onPhoto(photo, map, Colormap.GRAY, 1, new Normalization.Range(0, 1, false));
        assertEquals(60, out.getWidth(), "the photo's width, not the map's");
        assertEquals(40, out.getHeight());
        assertEquals(0xFFFFFF, out.getRGB(10, 5) & 0xffffff, "inside the hot quarter");
        assertEquals(0x000000, out.getRGB(50, 35) & 0xffffff, "outside it");
        // Half-pixel centres: photo column x reads map column (x + 0.5) * 8 / 60 - 0.5, so x = 24 reads
        // 2.77 (between two hot columns) and x = 34 reads 4.1 (between two cold ones); rows alike.
        assertEquals(0xFFFFFF, out.getRGB(24, 16) & 0xffffff, "near the quarter's edge (30, 20), still inside");
        assertEquals(0x000000, out.getRGB(34, 24) & 0xffffff, "just past it");

        BufferedImage figure = Figure.single(new Figure.Panel(List.of("Grad-CAM", "243 bull mastiff, logit 13.3"),
                Overlay.onPhoto(new BufferedImage(600, 200, BufferedImage.TYPE_INT_RGB), map, Colormap.JET, 0.5,
                        new Normalization.Range(0, 1, false)),
                new ColorBar(Colormap.JET, new Normalization.Range(0, 1, false)), "min to max"));
        assertTrue(figure.getWidth() >= 600 && figure.getWidth() < 640 && figure.getHeight() > 200,
                "the picture at its own size, text around it: " + figure.getWidth() + "x" + figure.getHeight());
    }

    @Test
    void gridsFitTheWidthAsked() {
        List<Figure.Panel> panels = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            panels.add(new Figure.Panel(List.of("panel " + i, "a second line"), new BufferedImage(640, 376, BufferedImage.TYPE_INT_RGB),
                    new ColorBar(Colormap.JET, new Normalization.Range(0, 1, false)), "caption"));
        }
        BufferedImage grid = Figure.grid(panels, 1600, 290);
        assertTrue(grid.getWidth() <= 1600 && grid.getWidth() > 1500, "5 columns of 290 and more: " + grid.getWidth());
        assertTrue(grid.getHeight() < 1200, "3 rows of landscape panels: " + grid.getHeight());
    }

    @Test
    void sameMapsAreFoundUpToAPositiveFactorOnly() {
        Random random = new Random(7);
        double[] a = new double[1000];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextDouble() * 40;
        }
        double[] b = new double[a.length];
        double[] noisy = new double[a.length];
        double[] different = new double[a.length];
        double[] negated = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i] / 49;
            noisy[i] = b[i] * (1 + 1e-7 * random.nextGaussian());  // float32 rounding, about 1e-7 relative
            different[i] = b[i] + (i == 500 ? 1e-3 : 0);            // one pixel off by 1e-3 of the range's scale
            negated[i] = -a[i];
        }
        OptionalDouble s = SameMaps.scale(a, b, 1e-5);
        assertTrue(s.isPresent());
        assertEquals(1 / 49.0, s.getAsDouble(), 1e-15);
        assertTrue(SameMaps.scale(a, noisy, 1e-5).isPresent(), "rounding is no difference");
        assertFalse(SameMaps.scale(a, different, 1e-5).isPresent(), "one pixel is");
        assertFalse(SameMaps.scale(a, negated, 1e-5).isPresent(), "a negative factor changes the picture");
        assertFalse(SameMaps.scale(a, new double[10], 1e-5).isPresent(), "other shapes");
        assertFalse(SameMaps.scale(a, new double[a.length], 1e-5).isPresent(), "a zero map against a non-zero one");
        assertEquals(1, SameMaps.scale(new double[3], new double[3], 1e-5).getAsDouble(), "two zero maps");
    }
}
