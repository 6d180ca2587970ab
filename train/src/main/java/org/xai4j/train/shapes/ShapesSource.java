package org.xai4j.train.shapes;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.train.Examples;

/**
 * Samples 0 to {@code size() - 1} of a shapes set as training batches: images in the model's
 * input space and their labels. Nothing is held in memory; each batch is drawn when asked.
 *
 * <p>The images go through {@code preprocess} exactly as the command line treats a PNG of the
 * same sample (8-bit values as floats 0..255, then {@link Preprocess#apply}), so a model trained
 * on this source sees the same numbers as {@code xai4j explain --input 00000.png}. The bundled
 * models use {@link Preprocess#TORCHVISION}: it is the command line's default, so no flag is
 * needed and none can be forgotten, and it centres each channel near zero with unit-order
 * spread, which plain SGD wants. ({@code none} is no choice here: on the command line it means
 * 0..255, not [0, 1].)
 */
public final class ShapesSource implements Examples {
    private final Shapes shapes;
    private final int size;
    private final Preprocess preprocess;

    public ShapesSource(Shapes shapes, int size, Preprocess preprocess) {
        if (shapes == null || preprocess == null) {
            throw new IllegalArgumentException("shapes source: needs a set and a preprocessing");
        }
        if (size < 1) {
            throw new IllegalArgumentException("shapes source: size " + size + " refused; accepted: 1 or more");
        }
        this.shapes = shapes;
        this.size = size;
        this.preprocess = preprocess;
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
        int plane = 3 * n * n;
        float[] data = new float[indices.length * plane];
        for (int b = 0; b < indices.length; b++) {
            if (indices[b] < 0 || indices[b] >= size) {
                throw new IllegalArgumentException("shapes source: index " + indices[b] + " out of range; accepted: 0 to " + (size - 1));
            }
            ShapeSample s = shapes.sample(indices[b]);
            for (int p = 0; p < plane; p++) {
                data[b * plane + p] = s.rgb()[p] & 0xFF;
            }
            labels[b] = s.label();
        }
        x.assign(preprocess.apply(Nd4j.create(data, expected, DataType.FLOAT)));
    }
}
