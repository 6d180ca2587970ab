package org.xai4j.explain.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.io.Resampling;

/**
 * Pictures of maps: a heat map alone, a heat map blended over the input photo, the input tensor
 * itself as a photo, and PNG output.
 * <pre>
 *   pixel = (1 - alpha) * photo + alpha * colormap(range.t(map))
 * </pre>
 * Maps are {@code [H, W]} or a single row {@code [1, H, W]}. {@link #onPhoto} keeps the photo as it
 * is and resizes the map to it (bilinear, half-pixel centres, as the photo was resized for the
 * model), so a model that read a 640x427 photo squashed to 224x224 is explained on the 640x427
 * photo, not on the squashed one; {@link #over} draws the photo scaled to the map's W x H.
 */
public final class Overlay {
    private Overlay() {}

    /** The map in colour. */
    public static BufferedImage heatmap(INDArray map, Colormap colormap, Normalization normalization) {
        return heatmap(map, colormap, normalization.range(Flat.read(map)));
    }

    /** The map in colour, values placed by {@code range} (the one its colour bar shows). */
    public static BufferedImage heatmap(INDArray map, Colormap colormap, Normalization.Range range) {
        int[] hw = size(map);
        double[] v = Flat.read(map);
        int[] rgb = new int[v.length];
        for (int p = 0; p < v.length; p++) {
            rgb[p] = colormap.rgb(range.t(v[p]));
        }
        BufferedImage out = new BufferedImage(hw[1], hw[0], BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, hw[1], hw[0], rgb, 0, hw[1]);
        return out;
    }

    /**
     * The map resized to the photo's own width and height and drawn over it with opacity
     * {@code alpha} in [0, 1]: the picture is the photo's size, whatever the map's.
     */
    public static BufferedImage onPhoto(BufferedImage photo, INDArray map, Colormap colormap, double alpha,
                                        Normalization.Range range) {
        int[] hw = size(map);
        INDArray plane = map.reshape(hw[0], hw[1]);
        INDArray resized = hw[0] == photo.getHeight() && hw[1] == photo.getWidth()
                ? plane : Resampling.bilinear(plane.castTo(DataType.DOUBLE), photo.getHeight(), photo.getWidth());
        return blend(photo, heatmap(resized, colormap, range), alpha);
    }

    /** The map in colour over the photo, with opacity {@code alpha} in [0, 1]. */
    public static BufferedImage over(BufferedImage photo, INDArray map, Colormap colormap, double alpha,
                                     Normalization normalization) {
        BufferedImage heat = heatmap(map, colormap, normalization);
        return blend(scaled(photo, heat.getWidth(), heat.getHeight()), heat, alpha);
    }

    private static BufferedImage blend(BufferedImage base, BufferedImage heat, double alpha) {
        if (!(0 <= alpha && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        int w = heat.getWidth();
        int h = heat.getHeight();
        // Whole rows in one call each way: pixel-by-pixel getRGB and setRGB cost most of a figure's drawing.
        int[] photo = base.getRGB(0, 0, w, h, null, 0, w);
        int[] colour = heat.getRGB(0, 0, w, h, null, 0, w);
        int[] mixed = new int[w * h];
        for (int p = 0; p < mixed.length; p++) {
            int rgb = 0;
            for (int shift = 16; shift >= 0; shift -= 8) {
                double v = (1 - alpha) * (photo[p] >> shift & 0xff) + alpha * (colour[p] >> shift & 0xff);
                rgb |= (int) Math.round(v) << shift;
            }
            mixed[p] = rgb;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, mixed, 0, w);
        return out;
    }

    /**
     * An input tensor {@code [1, C, H, W]} or {@code [C, H, W]} (C = 1 or 3, RGB order) as a
     * photo, min-max scaled over all channels together, for inputs whose original photo is gone.
     */
    public static BufferedImage photo(INDArray x) {
        INDArray chw = x.rank() == 4 ? x.reshape(x.size(1), x.size(2), x.size(3)) : x;
        if (chw.rank() != 3 || (chw.size(0) != 1 && chw.size(0) != 3)) {
            throw new IllegalArgumentException("a photo tensor must be [1,C,H,W] or [C,H,W] with C = 1 or 3, got "
                    + java.util.Arrays.toString(x.shape()));
        }
        int c = (int) chw.size(0);
        int h = (int) chw.size(1);
        int w = (int) chw.size(2);
        double[] t = Normalization.minMax().apply(Flat.read(chw));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int rgb = 0;
                for (int k = 0; k < 3; k++) {
                    rgb = rgb << 8 | Colormap.byteOf(t[(c == 3 ? k : 0) * h * w + i * w + j]);
                }
                out.setRGB(j, i, rgb);
            }
        }
        return out;
    }

    /** Writes a PNG, creating the parent directory; a one-line error if it cannot. */
    public static void writePng(BufferedImage image, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static BufferedImage scaled(BufferedImage photo, int width, int height) {
        if (photo.getWidth() == width && photo.getHeight() == height) {
            return photo;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(photo, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    private static int[] size(INDArray map) {
        if (map.rank() == 2) {
            return new int[] {(int) map.size(0), (int) map.size(1)};
        }
        if (map.rank() == 3 && map.size(0) == 1) {
            return new int[] {(int) map.size(1), (int) map.size(2)};
        }
        throw new IllegalArgumentException("an overlay takes one map [H,W] or [1,H,W], got " + java.util.Arrays.toString(map.shape()));
    }
}
