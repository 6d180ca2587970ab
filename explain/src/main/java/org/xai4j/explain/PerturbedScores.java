package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;

/**
 * The step every perturbation method shares: score many perturbed copies of one input row,
 * batched. Copy {@code i} keeps each pixel by a mask value {@code m_i} in [0, 1] (the same in
 * every channel) and takes the fill elsewhere:
 * <pre>
 *   x_i = m_i * x + (1 - m_i) * fill          x, fill [1, C, H, W], m_i [H, W]
 * </pre>
 * computed in double and stored in the input's type, so a mask of exactly 1 or 0 gives exactly
 * the input's or the fill's value. The copies go through the network {@code batchSize} rows at a
 * time (one at a time when the model fixes its batch at 1); only one batch is held at once.
 */
final class PerturbedScores {
    private PerturbedScores() {}

    /** Writes the mask of copy {@code i} into {@code m [H*W]}. */
    @FunctionalInterface
    interface Masks {
        void write(int i, double[] m);
    }

    /** Hears of every copy in order: its index, its mask and its score. */
    @FunctionalInterface
    interface Scored {
        void accept(int i, double[] mask, double score);
    }

    /**
     * Scores {@code count} copies of {@code x [1, C, H, W]} for {@code target} (a fixed class:
     * {@link Target#fixedAt}), reporting each batch to {@code progress}.
     */
    static void score(Graph graph, Head head, INDArray x, INDArray fill, Target target, int count, int batchSize,
                      Masks masks, Scored scored, Progress progress) {
        int C = (int) x.size(1);
        int HW = (int) (x.size(2) * x.size(3));
        double[] xs = Flat.read(x);
        double[] fs = Flat.read(fill);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);
        double[][] m = new double[Math.min(rows, count)][HW];
        for (int start = 0; start < count; start += rows) {
            int b = Math.min(rows, count - start);
            double[] batch = new double[b * C * HW];
            for (int r = 0; r < b; r++) {
                masks.write(start + r, m[r]);
                mix(xs, fs, m[r], batch, r * C * HW, C, HW);
            }
            INDArray copies = NdArrays.create(batch, new long[] {b, C, x.size(2), x.size(3)}, x.dataType());
            INDArray z = head.at(graph, copies);
            double[] s = target.seed(z, head).scores().values();
            NdArrays.close(copies, z);
            for (int r = 0; r < b; r++) {
                scored.accept(start + r, m[r], s[r]);
            }
            progress.advance(b);
        }
    }

    /** One copy: {@code m x + (1 - m) fill} in every channel, written at {@code out[offset...]}. */
    static void mix(double[] x, double[] fill, double[] m, double[] out, int offset, int C, int HW) {
        for (int c = 0; c < C; c++) {
            int base = c * HW;
            for (int p = 0; p < HW; p++) {
                out[offset + base + p] = m[p] * x[base + p] + (1 - m[p]) * fill[base + p];
            }
        }
    }

    /** The score of {@code target} at one row (the clean input, or everything hidden). */
    static double scoreOf(Graph graph, Head head, INDArray x, Target target) {
        INDArray z = head.at(graph, x);
        double s = target.seed(z, head).scores().valueOf(0);
        NdArrays.close(z);
        return s;
    }
}
