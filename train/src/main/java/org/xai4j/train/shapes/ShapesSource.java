package org.xai4j.train.shapes;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.train.Examples;

/**
 * Samples 0 to {@code size() - 1} of a shapes set as training batches: images in the model's
 * input space and their labels. Drawn when asked, or drawn once and kept ({@link #inMemory()}).
 *
 * <p>The images go through {@code preprocess} exactly as the command line treats a PNG of the
 * same sample (8-bit values as floats 0..255, then {@link Preprocess#apply}), so a model trained
 * on this source sees the same numbers as {@code xai4j explain --input 00000.png}. The bundled
 * models use {@link Preprocess#TORCHVISION}: it is the command line's default, so no flag is
 * needed and none can be forgotten, and it centres each channel near zero with unit-order
 * spread, which plain SGD wants. ({@code none} is no choice here: on the command line it means
 * 0..255, not [0, 1].)
 *
 * <p>Why a table: a preprocessing that maps each channel's 8-bit value on its own (all but
 * {@code caffe}, which swaps channels) is 3 x 256 floats, computed once by {@link Preprocess#apply}
 * itself, so a batch is a lookup per value and equal to the bit to what {@code apply} gives. The
 * nine strided ND4J passes of {@code apply} took 30 to 75 ms of wall time per batch of 32 on a
 * 2-core host at load average 14 (a training step took 150 to 220 ms there); with the images kept,
 * a batch now takes 2 ms of CPU. Other preprocessings run {@code apply} on each batch.
 */
public final class ShapesSource implements Examples {
    private final Shapes shapes;
    private final int size;
    private final Preprocess preprocess;
    /** {@code table[c * 256 + v]}: channel c's value v after preprocessing, or null when channels mix. */
    private final float[] table;
    /** Sample i's 8-bit planes and label when drawn in advance ({@link #inMemory()}), else null. */
    private final byte[][] images;
    private final int[] labels;

    public ShapesSource(Shapes shapes, int size, Preprocess preprocess) {
        this(shapes, size, preprocess, null, null);
    }

    private ShapesSource(Shapes shapes, int size, Preprocess preprocess, byte[][] images, int[] labels) {
        if (shapes == null || preprocess == null) {
            throw new IllegalArgumentException("shapes source: needs a set and a preprocessing");
        }
        if (size < 1) {
            throw new IllegalArgumentException("shapes source: size " + size + " refused; accepted: 1 or more");
        }
        this.shapes = shapes;
        this.size = size;
        this.preprocess = preprocess;
        this.table = channelTable(preprocess);
        this.images = images;
        this.labels = labels;
    }

    /**
     * This source with every sample drawn now, on all cores, and kept as 8-bit values
     * ({@link #bytesInMemory} of them): a training that reads each sample once per epoch draws it
     * once (about 1.5 ms of a 64 x 64 image) instead of every epoch. The samples are the same
     * to the bit, whatever the thread count (each is a function of its seed and index).
     */
    public ShapesSource inMemory() {
        if (images != null) {
            return this;
        }
        long bytes = bytesInMemory();
        long free = Runtime.getRuntime().maxMemory() / 2;
        if (bytes > free) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "shapes source: %d images need %d MB in"
                    + " memory; accepted: up to half the Java heap, %d MB (raise -Xmx, or draw batches when asked)", size,
                    bytes >> 20, free >> 20));
        }
        byte[][] drawn = new byte[size][];
        int[] drawnLabels = new int[size];
        IntStream.range(0, size).parallel().forEach(i -> {
            ShapeSample s = shapes.sample(i);
            drawn[i] = s.rgb();
            drawnLabels[i] = s.label();
        });
        return new ShapesSource(shapes, size, preprocess, drawn, drawnLabels);
    }

    /** What {@link #inMemory()} holds: 3 x size x size bytes per sample. */
    public long bytesInMemory() {
        long n = shapes.spec().size();
        return 3 * n * n * size;
    }

    /** The number of samples. */
    @Override
    public int size() {
        return size;
    }

    /** The number of classes (the model's outputs). */
    public int classes() {
        return shapes.spec().classes().size();
    }

    /** One image's shape {@code [3, H, W]}. */
    public long[] imageShape() {
        int n = shapes.spec().size();
        return new long[] {3, n, n};
    }

    /** The labels of samples 0 to {@code size() - 1}, without drawing the images. */
    public int[] labels() {
        int[] labels = new int[size];
        Arrays.setAll(labels, shapes::label);
        return labels;
    }

    public Shapes shapes() {
        return shapes;
    }

    public Preprocess preprocess() {
        return preprocess;
    }

    /**
     * Fills {@code x} ({@code [N, 3, H, W]} float32, N = {@code indices.length}) with samples
     * {@code indices} after preprocessing and {@code labels} (length N) with their classes.
     */
    @Override
    public void batch(int[] indices, INDArray x, int[] labels) {
        int n = shapes.spec().size();
        long[] expected = {indices.length, 3, n, n};
        if (!Arrays.equals(x.shape(), expected) || x.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("shapes source: batch array " + x.dataType() + Arrays.toString(x.shape())
                    + " does not fit; expected FLOAT" + Arrays.toString(expected));
        }
        if (labels.length != indices.length) {
            throw new IllegalArgumentException("shapes source: " + labels.length + " labels for " + indices.length + " indices");
        }
        int planeSize = n * n, image = 3 * planeSize;
        float[] data = new float[indices.length * image];
        for (int b = 0; b < indices.length; b++) {
            int i = indices[b];
            if (i < 0 || i >= size) {
                throw new IllegalArgumentException("shapes source: index " + i + " out of range; accepted: 0 to " + (size - 1));
            }
            byte[] rgb;
            if (images != null) {
                rgb = images[i];
                labels[b] = this.labels[i];
            } else {
                ShapeSample s = shapes.sample(i);
                rgb = s.rgb();
                labels[b] = s.label();
            }
            for (int p = 0; p < image; p++) {
                int v = rgb[p] & 0xFF;
                data[b * image + p] = table == null ? v : table[p / planeSize * 256 + v];
            }
        }
        INDArray values = Nd4j.create(data, expected, DataType.FLOAT);
        x.assign(table == null ? preprocess.apply(values) : values);
    }

    /**
     * {@code apply} of every 8-bit value in every channel, when each output channel is a function
     * of the same input channel alone; null when not (checked on a second probe whose channels
     * hold different values).
     */
    private static float[] channelTable(Preprocess preprocess) {
        float[] ramp = new float[3 * 256], shifted = new float[3 * 256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                ramp[c * 256 + v] = v;
                shifted[c * 256 + v] = (v + 85 * c) % 256;
            }
        }
        float[] table = preprocess.apply(Nd4j.create(ramp, new long[] {1, 3, 1, 256}, DataType.FLOAT)).data().asFloat();
        float[] probe = preprocess.apply(Nd4j.create(shifted, new long[] {1, 3, 1, 256}, DataType.FLOAT)).data().asFloat();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                int s = (int) shifted[c * 256 + v];
                if (Float.floatToIntBits(probe[c * 256 + v]) != Float.floatToIntBits(table[c * 256 + s])) {
                    return null;
                }
            }
        }
        return table;
    }
}
