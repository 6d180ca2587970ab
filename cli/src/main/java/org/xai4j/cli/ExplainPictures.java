package org.xai4j.cli;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.io.Images;
import org.xai4j.explain.Maps;
import org.xai4j.explain.Method;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.Normalization;
import org.xai4j.explain.image.Overlay;

/**
 * The pictures {@code xai4j explain} draws: each map in the jet colour map blended half and half
 * over what the model saw. For a photo that is the photo resized as the model read it; for a
 * {@code .npy} tensor, the tensor itself min-max scaled (RGB when it has 1 or 3 channels, else the
 * channel mean in gray). Input-shaped attributions are first reduced to one value per pixel
 * ({@link Method#display()}) and clamped at their 99th percentile, so that a few extreme
 * gradients do not leave the rest dark; CAM maps are min-max scaled. Pictures smaller than
 * {@value #MIN_SIDE} pixels are enlarged by whole factors (nearest neighbour) so they stay readable.
 */
final class ExplainPictures {
    static final int MIN_SIDE = 224;
    private static final double ALPHA = 0.5;

    private ExplainPictures() {}

    /** What the model saw as a picture: {@code x [1, C, H, W]}; {@code photo} is the image file or null for a tensor. */
    static BufferedImage background(Path photo, INDArray x) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        if (photo != null) {
            return rgb(Images.resize(Images.rgb(Images.read(photo)), h, w));
        }
        if (x.size(1) == 1 || x.size(1) == 3) {
            return Overlay.photo(x);
        }
        return Overlay.photo(x.mean(true, 1));
    }

    /** The map of one method over the background, enlarged when small. */
    static BufferedImage overlay(BufferedImage background, INDArray map, Method method) {
        boolean cam = method.output() != Method.Output.INPUT;
        INDArray plane = cam ? map : Maps.aggregate(map, method.display());
        Normalization normalization = cam ? Normalization.minMax() : Normalization.percentiles(0, 99);
        return enlarged(Overlay.over(background, plane, Colormap.JET, ALPHA, normalization));
    }

    /** The picture scaled by the smallest whole factor that makes its shorter side at least {@value #MIN_SIDE}. */
    static BufferedImage enlarged(BufferedImage image) {
        int side = Math.min(image.getWidth(), image.getHeight());
        int factor = (MIN_SIDE + side - 1) / side;
        if (factor <= 1) {
            return image;
        }
        BufferedImage out = new BufferedImage(image.getWidth() * factor, image.getHeight() * factor, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(image, 0, 0, out.getWidth(), out.getHeight(), null);
        g.dispose();
        return out;
    }

    /** RGB values 0..255 {@code [1, 3, H, W]} as an image, rounded to 8 bits. */
    private static BufferedImage rgb(INDArray x) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        float[] v = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    rgb = rgb << 8 | (int) Math.round(Math.min(Math.max(v[c * h * w + i * w + j], 0), 255));
                }
                out.setRGB(j, i, rgb);
            }
        }
        return out;
    }
}
