package org.xai4j.train;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link Examples} held in one array: x [N, ...] and a class per row. */
public final class InMemoryExamples implements Examples {
    private final INDArray x;
    private final int[] labels;

    /** x [N, ...] (rows are examples), labels [N]; both kept, not copied. */
    public InMemoryExamples(INDArray x, int[] labels) {
        if (x.rank() < 2 || x.size(0) != labels.length) {
            throw new IllegalArgumentException("examples: x " + Arrays.toString(x.shape()) + " needs one row per label, got "
                    + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is negative; accepted: 0, 1, ...");
            }
        }
        this.x = x;
        this.labels = labels;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public void batch(int[] indices, INDArray into, int[] labelsInto) {
        for (int r = 0; r < indices.length; r++) {
            into.get(NDArrayIndex.point(r)).assign(x.get(NDArrayIndex.point(indices[r])));
            labelsInto[r] = labels[indices[r]];
        }
    }
}
