package org.xai4j.explain.metrics;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The perturbed copies of one image {@code x [1, C, H, W]} that the perturbation metrics score,
 * queued from any number of metrics and scored {@code batchSize} rows per forward pass, so that
 * deletion, insertion and the explanation map of one map share their passes. The image itself is
 * scored once however many metrics ask for it ({@link #image}). Rows are written straight into
 * one batch array of x's type that every pass reuses: building a fresh array per pass (and
 * casting it from double) cost about a fifth of an eval run on the 64 x 64 shapes model.
 */
final class Copies implements AutoCloseable {
    private final Scorer scorer;
    private final INDArray x;
    private final int CHW;
    private final int batchSize;
    private INDArray batch;
    private FloatBuffer floats;
    private DoubleBuffer doubles;
    private float[] scratch;
    private double[] scores = new double[64];
    private int scored;
    private int waiting;
    private int image = -1;

    /** At most {@code batchSize} rows per pass; x is float32 or float64, as every xai4j model takes. */
    Copies(Scorer scorer, INDArray x, int batchSize) {
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException("the perturbation metrics take one image [1, C, H, W], got " + Arrays.toString(x.shape()));
        }
        if (batchSize < 1 || batchSize > 1024) {
            throw new IllegalArgumentException("--batch-size must be 1 to 1024, got " + batchSize);
        }
        if (x.dataType() != DataType.FLOAT && x.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("the perturbation metrics take float32 or float64 images, got " + x.dataType());
        }
        this.scorer = scorer;
        this.x = x;
        this.CHW = Math.toIntExact(x.length());
        this.batchSize = batchSize;
    }

    /** The row of x itself, queued on the first call. */
    int image() {
        if (image < 0) {
            image = add(x);
        }
        return image;
    }

    /** Queues a copy [1, C, H, W] (its values are taken now) and returns its row. */
    int add(INDArray copy) {
        return add(copy.reshape(CHW).castTo(DataType.DOUBLE).toDoubleVector());
    }

    /** Queues a copy given as C x H x W values in C order (exact in x's type; taken now) and returns its row. */
    int add(double[] copy) {
        if (copy.length != CHW) {
            throw new IllegalArgumentException("a copy has " + copy.length + " values, the image " + CHW);
        }
        if (batch == null) {
            batch = Nd4j.createUninitialized(x.dataType(), batchSize, x.size(1), x.size(2), x.size(3)); // every row is written before it is read
            floats = x.dataType() == DataType.FLOAT ? batch.data().asNioFloat() : null;
            doubles = x.dataType() == DataType.DOUBLE ? batch.data().asNioDouble() : null;
            scratch = floats != null ? new float[CHW] : null;
        }
        int offset = waiting * CHW;
        if (doubles != null) {
            doubles.put(offset, copy);
        } else {
            for (int i = 0; i < CHW; i++) {
                scratch[i] = (float) copy[i];
            }
            floats.put(offset, scratch);
        }
        waiting++;
        int row = scored + waiting - 1;
        if (waiting == batchSize) {
            flush();
        }
        return row;
    }

    /** Every queued row's score, by row (scoring what still waits). */
    double[] scores() {
        flush();
        return Arrays.copyOf(scores, scored);
    }

    private void flush() {
        if (waiting == 0) {
            return;
        }
        INDArray rows = waiting == batchSize ? batch : batch.get(NDArrayIndex.interval(0, waiting)).dup('c');
        double[] s = scorer.score(rows);
        if (s.length != waiting) {
            throw new IllegalStateException("the scorer gave " + s.length + " scores for " + waiting + " rows");
        }
        if (rows != batch) {
            rows.close();
        }
        if (scored + waiting > scores.length) {
            scores = Arrays.copyOf(scores, Math.max(2 * scores.length, scored + waiting));
        }
        System.arraycopy(s, 0, scores, scored, waiting);
        scored += waiting;
        waiting = 0;
    }

    @Override
    public void close() {
        if (batch != null) {
            batch.close();
        }
    }
}
