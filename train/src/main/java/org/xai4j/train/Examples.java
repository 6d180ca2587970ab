package org.xai4j.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A labelled data set that a {@link Trainer} reads in mini-batches: held in memory, or generated
 * or decoded on demand. Example {@code i} must be the same whenever it is asked for (a generator
 * derives it from its seed and {@code i}), so that a training is repeatable to the bit.
 */
public interface Examples {

    /** The number of examples; indices run from 0 to {@code size() - 1}. */
    int size();

    /**
     * Writes example {@code indices[r]} into row r of {@code x} and its class into
     * {@code labels[r]}, for every r. {@code x} is c-ordered float32 [indices.length, ...], the rest
     * of its shape the model's input shape (e.g. [B, 3, 64, 64]); every value of a row must be
     * written. {@code labels} has {@code indices.length} entries. Called from one thread at a time.
     */
    void batch(int[] indices, INDArray x, int[] labels);
}
