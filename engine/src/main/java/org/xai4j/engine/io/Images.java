package org.xai4j.engine.io;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Photos as float32 RGB tensors {@code [1, 3, H, W]} with values 0..255, ready for a
 * {@link Preprocess} preset.
 *
 * <p>Resampling ({@link #resize}) takes the whole photo (no crop; a non-square photo is
 * stretched) in two steps:
 * <ol>
 *   <li>When the photo is at least twice the target in both axes, average non-overlapping
 *       {@code k x k} blocks, {@code k = min(floor(H / outH), floor(W / outW))}, the same
 *       {@code k} on both axes ({@link #boxReduce}; blocks cut by the right or bottom edge average
 *       the pixels they hold). This is the antialiasing: a 2048 x 1536 photo is averaged in 6 x 6
 *       blocks instead of being sampled at 1 pixel in 9.</li>
 *   <li>Bilinear interpolation with half-pixel centres ({@link Resampling#bilinear}): output
 *       pixel {@code i} reads input position {@code src = (i + 0.5) * in / out - 0.5}, clamped
 *       at 0, with the upper neighbour clamped to {@code in - 1}; the rule of OpenCV's
 *       {@code INTER_LINEAR}, TF2's {@code resize(method="bilinear")} and
 *       {@code torch.nn.functional.interpolate(mode="bilinear", align_corners=False)}.</li>
 * </ol>
 * Why this rule: it reproduces the reference outputs of {@code ../shared/assets/MANIFEST.md}
 * (bilinear resizing of the whole photo): all 30 top-1 classes of MobileNet v1 and v2, with
 * probabilities within 0.02 of the listed ones. Plain bilinear alone misses 2 of the 30 (and
 * all five 512-pixel photos' probabilities), PIL's antialiased bilinear misses 3. Values are
 * float32 throughout (sums and blends in double), never rounded to 8 bits.
 */
public final class Images {
    private Images() {}

    /** Reads {@code file} (any format ImageIO reads: PNG, JPEG, BMP, GIF, ...) and resizes it to {@code size x size}. */
    public static INDArray load(Path file, int size) {
        return load(file, size, size);
    }

    /** Reads {@code file} and resizes the whole image to {@code height x width}: [1, 3, height, width], RGB 0..255. */
    public static INDArray load(Path file, int height, int width) {
        return resize(rgb(read(file)), height, width);
    }

    /**
     * Decodes an image file, refusing a damaged one: a JPEG cut short or a PNG whose chunk
     * checksums fail decode without an error in ImageIO (the missing part comes out grey or as
     * garbage), and the model would then explain a picture nobody took.
     *
     * @throws IllegalArgumentException naming the file and the accepted formats when it is
     *     missing, not an image ImageIO can decode, damaged, or too large to decode in the heap
     */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("image file not found: " + file);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String damage = ImageChecks.damage(bytes);
        if (damage != null) {
            throw new IllegalArgumentException(file + ": the image is damaged (" + damage + "); accepted: complete, "
                    + "undamaged image files");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException(file + ": not an image in a known format; accepted: " + formats()
                        + ", or a .npy tensor");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                ImageChecks.checkSize(file, reader.getWidth(0), reader.getHeight(0));
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new IllegalArgumentException(file + ": the image is damaged (the decoder says: "
                            + String.join("; ", warnings) + "); accepted: complete, undamaged image files");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith(file.toString())) {
                throw iae;
            }
            throw new IllegalArgumentException(file + ": cannot decode the image (" + e.getMessage() + "); accepted formats: "
                    + formats());
        }
    }

    /** The image formats this JVM decodes, e.g. "bmp, gif, jpeg, jpg, png, wbmp". */
    public static String formats() {
        TreeSet<String> s = new TreeSet<>();
        for (String f : ImageIO.getReaderFileSuffixes()) {
            if (!f.isBlank()) {
                s.add(f.toLowerCase(java.util.Locale.ROOT));
            }
        }
        return String.join(", ", s);
    }

    /** The pixels as [1, 3, H, W] float32 RGB 0..255; alpha is dropped, grey is copied to R, G and B. */
    public static INDArray rgb(BufferedImage image) {
        return Planes.of(image).toArray();
    }

    /** The two-step resize of the class comment: [N, C, H, W] to [N, C, outH, outW]. */
    public static INDArray resize(INDArray x, int outH, int outW) {
        Planes planes = Planes.of(x);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("resize target must be at least 1x1, got " + outH + "x" + outW);
        }
        int k = Math.min(planes.h() / outH, planes.w() / outW);
        return Resampling.bilinear((k >= 2 ? boxReduce(planes, k) : planes).toArray(), outH, outW);
    }

    /** Means of non-overlapping k x k blocks: [N, C, H, W] to [N, C, ceil(H/k), ceil(W/k)]. */
    public static INDArray boxReduce(INDArray x, int k) {
        return boxReduce(Planes.of(x), k).toArray();
    }

    private static Planes boxReduce(Planes x, int k) {
        int h = x.h();
        int w = x.w();
        int outH = (h + k - 1) / k;
        int outW = (w + k - 1) / k;
        float[] in = x.data();
        float[] out = new float[x.n() * outH * outW];
        double[] sums = new double[outW];
        for (int p = 0; p < x.n(); p++) {
            for (int i = 0; i < outH; i++) {
                java.util.Arrays.fill(sums, 0);
                int rows = Math.min(h, (i + 1) * k) - i * k;
                for (int y = i * k; y < i * k + rows; y++) {
                    int row = (p * h + y) * w;
                    for (int j = 0; j < outW; j++) {
                        double sum = 0;
                        for (int xx = j * k; xx < Math.min(w, (j + 1) * k); xx++) {
                            sum += in[row + xx];
                        }
                        sums[j] += sum;
                    }
                }
                for (int j = 0; j < outW; j++) {
                    int cols = Math.min(w, (j + 1) * k) - j * k;
                    out[(p * outH + i) * outW + j] = (float) (sums[j] / (rows * cols));
                }
            }
        }
        return new Planes(out, x.shape()[0], x.shape()[1], outH, outW);
    }

    /** [N, C, H, W] float32 values in C order, as a plain array: resampling needs no ND4J ops. */
    private record Planes(float[] data, long[] shape) {
        Planes(float[] data, long n, long c, int h, int w) {
            this(data, new long[] {n, c, h, w});
        }

        int n() {
            return (int) (shape[0] * shape[1]);
        }

        int h() {
            return (int) shape[2];
        }

        int w() {
            return (int) shape[3];
        }

        static Planes of(INDArray x) {
            if (x.rank() != 4) {
                throw new IllegalArgumentException("expected an image tensor [N,C,H,W], got " + Arrays.toString(x.shape()));
            }
            return new Planes(x.castTo(DataType.FLOAT).dup('c').data().asFloat(), x.shape());
        }

        static Planes of(BufferedImage image) {
            int h = image.getHeight();
            int w = image.getWidth();
            int hw = h * w;
            float[] planes = new float[3 * hw];
            Raster raster = image.getRaster();
            ColorModel cm = image.getColorModel();
            int[] sizes = raster.getSampleModel().getSampleSize();
            boolean grey = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && raster.getNumBands() <= 2;
            boolean plainRgb = cm instanceof ComponentColorModel && cm.getColorSpace().isCS_sRGB()
                    && raster.getNumBands() >= 3 && sizes[0] == 8 && sizes[1] == 8 && sizes[2] == 8;
            if (grey || plainRgb) {
                // Stored samples as they are. For grey this also avoids getRGB's linear-to-sRGB
                // conversion, which brightens grey images; PIL and OpenCV return the samples.
                double scale = 255.0 / ((1L << sizes[0]) - 1);
                int[] band = new int[hw];
                for (int c = 0; c < 3; c++) {
                    if (c == 0 || !grey) {
                        raster.getSamples(0, 0, w, h, c, band);
                    }
                    for (int i = 0; i < hw; i++) {
                        planes[c * hw + i] = (float) (band[i] * scale);
                    }
                }
            } else {
                int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
                for (int i = 0; i < hw; i++) {
                    planes[i] = (argb[i] >> 16) & 0xff;
                    planes[hw + i] = (argb[i] >> 8) & 0xff;
                    planes[2 * hw + i] = argb[i] & 0xff;
                }
            }
            return new Planes(planes, 1, 3, h, w);
        }

        INDArray toArray() {
            return Nd4j.create(data, shape, 'c');
        }
    }
}
