package org.xai4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.io.Labels;
import org.xai4j.explain.Target;

/**
 * The top classes of a classifier's output, per batch item. Probabilities are the model's own
 * when it ends in a softmax, else {@code softmax(logits)} in double precision ({@link Target#softmax}).
 */
final class Predictions {
    private Predictions() {}

    /** One row of the table; {@code logit} is NaN when the model gives no pre-softmax value. */
    record Entry(int rank, int index, String label, double probability, double logit) {}

    /**
     * @param probabilities the model's softmax output [N, K, ...], or null to compute it from logits
     * @param logits the pre-softmax values [N, K, ...], or null when the model has none
     */
    static List<List<Entry>> top(INDArray probabilities, INDArray logits, Labels labels, int k) {
        INDArray any = probabilities != null ? probabilities : logits;
        int n = (int) any.size(0);
        List<List<Entry>> batch = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            double[] z = logits == null ? null : row(logits, b);
            double[] p = probabilities != null ? row(probabilities, b) : Target.softmax(z);
            Integer[] order = IntStream.range(0, p.length).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
            List<Entry> entries = new ArrayList<>();
            for (int r = 0; r < Math.min(k, p.length); r++) {
                int c = order[r];
                entries.add(new Entry(r + 1, c, labels.name(c), p[c], z == null ? Double.NaN : z[c]));
            }
            batch.add(entries);
        }
        return batch;
    }

    /** Item {@code b} of [N, K, ...] flattened to K values (trailing 1x1 axes are common). */
    static double[] row(INDArray x, int b) {
        return Flat.read(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b)));
    }
}
