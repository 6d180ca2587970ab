package org.xai4j.cli;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.io.Images;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Maps;
import org.xai4j.explain.Method;
import org.xai4j.explain.image.ColorBar;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.Normalization;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.image.Planes;

/**
 * How {@code xai4j explain} draws a map: on the photo at its own size and aspect ratio (the map,
 * computed at the model's input size, is resized to the photo; a photo longer than
 * {@value #MAX_SIDE} pixels is first scaled down to that, keeping its aspect), or for a
 * {@code .npy} tensor on the tensor itself min-max scaled (RGB when it has 1 or 3 channels, else
 * the channel mean in gray). Pictures shorter than {@value #MIN_SIDE} pixels are enlarged by whole
 * factors (nearest neighbour) so they stay readable.
 *
 * <p>Which values, in which colours ({@link Style}, the options {@code --sign}, {@code --clip},
 * {@code --colormap}, {@code --alpha}):
 * <ul>
 *   <li>CAM maps (never negative: the methods end in a ReLU) in a sequential colour map (jet),
 *       from their minimum to their maximum ({@code --clip 0,100});</li>
 *   <li>heat maps of the perturbation methods the same way when never negative; when some value
 *       is (occlusion's score drops, LIME's and KernelSHAP's weights) in the diverging map centred
 *       at 0, the range {@code [-m, m]} with m the largest magnitude;</li>
 *   <li>input-shaped maps reduced to one value per pixel by {@link Planes} ({@code --sign}):
 *       {@code signed} (default) in a diverging map (rdbu_r) centred at 0, the range
 *       {@code [-m, m]} with m the larger magnitude of the 1st and 99th percentiles;
 *       {@code abs} (the method's own aggregation, e.g. max_c |gradient|) and {@code positive}
 *       in the sequential map from the 1st to the 99th percentile.</li>
 * </ul>
 * {@code --clip} replaces either default; {@code --colormap} replaces both colour maps.
 */
final class ExplainPictures {
    static final int MIN_SIDE = 224;
    static final int MAX_SIDE = 640;

    private ExplainPictures() {}

    /**
     * How maps are drawn.
     *
     * @param colormap every map's colour map, or null for jet (sequential) and rdbu_r (signed)
     * @param clip the percentiles of the value range ({@code --clip LOW,HIGH}), or null for the defaults above
     */
    record Style(Colormap colormap, double alpha, Planes.Sign sign, Normalization clip) {
        static final Style DEFAULT = new Style(null, 0.5, Planes.Sign.SIGNED, null);
    }

    /**
     * One map as drawn: the plane of values, its range and colour map (what the colour bar shows),
     * the picture, and a caption saying how values became colours.
     */
    record Drawn(INDArray plane, Colormap colormap, Normalization.Range range, BufferedImage picture, String caption) {
        ColorBar bar() {
            return new ColorBar(colormap, range);
        }
    }

    /** What the model saw as a picture: {@code x [1, C, H, W]}; {@code photo} is the image file or null for a tensor. */
    static BufferedImage background(Path photo, INDArray x) {
        if (photo != null) {
            INDArray rgb = Images.rgb(Images.read(photo));
            int h = (int) rgb.size(2);
            int w = (int) rgb.size(3);
            double s = Math.min(1, (double) MAX_SIDE / Math.max(h, w));
            if (s < 1) {
                rgb = Images.resize(rgb, Math.max(1, (int) Math.round(h * s)), Math.max(1, (int) Math.round(w * s)));
            }
            return enlarged(rgb(rgb));
        }
        if (x.size(1) == 1 || x.size(1) == 3) {
            return enlarged(Overlay.photo(x));
        }
        return enlarged(Overlay.photo(x.mean(true, 1)));
    }

    /** The map of one method over the background. */
    static Drawn draw(BufferedImage background, Explanation e, Method method, Style style) {
        // CAM and heat maps (Output.MAP) are drawn as they are; a heat map with negative values
        // (occlusion's score drops, LIME's and KernelSHAP's weights) in the diverging map.
        boolean cam = method.output() != Method.Output.INPUT;
        INDArray plane = cam ? e.map() : Planes.of(e.map(), method.display(), style.sign());
        boolean signed = cam ? method.output() == Method.Output.MAP && plane.minNumber().doubleValue() < 0
                : style.sign() == Planes.Sign.SIGNED;
        double[] clip = style.clip() != null ? new double[] {style.clip().lowPercentile(), style.clip().highPercentile()}
                : cam ? new double[] {0, 100} : new double[] {1, 99};
        Normalization normalization = signed ? Normalization.centred(clip[0], clip[1]) : Normalization.percentiles(clip[0], clip[1]);
        Normalization.Range range = normalization.range(Flat.read(plane));
        Colormap colormap = style.colormap() != null ? style.colormap() : signed ? Colormap.RDBU_R : Colormap.JET;
        BufferedImage picture = Overlay.onPhoto(background, plane, colormap, style.alpha(), range);
        return new Drawn(plane, colormap, range, picture, caption(method, cam, style.sign(), clip, signed));
    }

    /** "sign kept, sum over channels; clip P1..P99" and the like: what the colours are. */
    private static String caption(Method method, boolean cam, Planes.Sign sign, double[] clip, boolean signed) {
        String values = cam ? (signed ? "sign kept; " : "") : switch (sign) {
            case SIGNED -> method.display() == Maps.Aggregation.ABS_MAX ? "sign kept, channel of max |a|; " : "sign kept, sum over channels; ";
            case ABS -> switch (method.display()) {
                case ABS_MAX -> "max over channels of |a|; ";
                case SUM_ABS -> "sum over channels of |a|; ";
                case ABS_SUM -> "|sum over channels|; ";
                case SUM -> "sum over channels; ";
            };
            case POSITIVE -> "positive part; ";
        };
        String range = clip[0] == 0 && clip[1] == 100 ? "min to max" : "clip P" + number(clip[0]) + "..P" + number(clip[1]);
        return values + range;
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
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
