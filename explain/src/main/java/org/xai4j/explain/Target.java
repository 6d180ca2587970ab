package org.xai4j.explain;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;

/**
 * What to explain in each row of a batch: the predicted class (the default), given classes (one
 * for every row or one per row), or a weighted set of classes; and which score of it: the
 * pre-softmax logit (default), the softmax probability or its logarithm. Sealed: the kinds are
 * the records below and no others, so the few places that treat them differently ({@link #row},
 * {@link #fixedAt}, {@link #seed}) are all there is to extend for a new kind (next: any scalar of
 * a node).
 *
 * <p>A target turns the logits {@code z [N, K]} into the seed gradient {@code d score / d z}
 * that backward starts from:
 * <pre>
 *   LOGIT            score = z_c                 d/dz_j = [j == c]
 *   PROBABILITY      score = p_c = softmax(z)_c  d/dz_j = p_c ([j == c] - p_j)
 *   LOG_PROBABILITY  score = log p_c             d/dz_j = [j == c] - p_j
 * </pre>
 * and a weighted set scores {@code sum_c w_c score_c}. Immutable.
 */
public sealed interface Target permits Target.Predicted, Target.Classes, Target.Weighted {

    /** Which function of the logits is explained. */
    enum Score { LOGIT, PROBABILITY, LOG_PROBABILITY }

    /** The top class of each row (argmax of the logits). */
    record Predicted(Score score) implements Target {
        @Override
        public Target withScore(Score s) {
            return new Predicted(s);
        }

        @Override
        public String toString() {
            return "predicted class, " + Target.name(score);
        }
    }

    /** One class for every row ({@code classes.length == 1}) or one class per row. */
    record Classes(int[] classes, Score score) implements Target {
        public Classes {
            if (classes.length == 0) {
                throw new IllegalArgumentException("a target needs at least one class");
            }
            for (int c : classes) {
                if (c < 0) {
                    throw new IllegalArgumentException("target class " + c + " is out of range: classes start at 0");
                }
            }
            classes = classes.clone();
        }

        @Override
        public int[] classes() {
            return classes.clone();
        }

        @Override
        public Target withScore(Score s) {
            return new Classes(classes, s);
        }

        @Override
        public String toString() {
            return "class " + (classes.length == 1 ? Integer.toString(classes[0]) : Arrays.toString(classes)) + ", " + Target.name(score);
        }
    }

    /** {@code sum_i weights[i] * score(classes[i])}, the same in every row. */
    record Weighted(int[] classes, double[] weights, Score score) implements Target {
        public Weighted {
            if (classes.length == 0 || classes.length != weights.length) {
                throw new IllegalArgumentException("a weighted target needs as many weights as classes (got "
                        + classes.length + " classes, " + weights.length + " weights)");
            }
            classes = new Classes(classes, score).classes();
            weights = weights.clone();
        }

        @Override
        public int[] classes() {
            return classes.clone();
        }

        @Override
        public double[] weights() {
            return weights.clone();
        }

        @Override
        public Target withScore(Score s) {
            return new Weighted(classes, weights, s);
        }

        @Override
        public String toString() {
            return "classes " + Arrays.toString(classes) + " weighted " + Arrays.toString(weights) + ", " + Target.name(score);
        }
    }

    /** The top class of each row, the default. */
    static Target predicted() {
        return new Predicted(Score.LOGIT);
    }

    /** Class {@code c} in every row. */
    static Target of(int c) {
        return perRow(c);
    }

    /** One class per row of the batch (or one class for every row). */
    static Target perRow(int... classes) {
        return new Classes(classes, Score.LOGIT);
    }

    /** {@code sum_i weights[i] * score(classes[i])} in every row. */
    static Target weighted(int[] classes, double[] weights) {
        return new Weighted(classes, weights, Score.LOGIT);
    }

    Score score();

    /** The same classes, explained through another score. */
    Target withScore(Score s);

    /**
     * The part of this target that concerns row {@code n} of a batch of {@code rows}, to be
     * explained on its own (integrated gradients takes one row at a time).
     */
    default Target row(int n, int rows) {
        if (this instanceof Classes c && c.classes.length > 1) {
            if (c.classes.length != rows) {
                throw perRowMismatch(c.classes.length, rows);
            }
            return new Classes(new int[] {c.classes[n]}, score());
        }
        return this;
    }

    /**
     * This target with the class of row {@code n} fixed, so that it can be applied to every row
     * of a batch of perturbed copies of that row: integrated gradients and SmoothGrad must
     * explain the class predicted for the clean input, not a class re-predicted per copy.
     */
    default Target fixedAt(INDArray logits, int n) {
        if (this instanceof Classes c) {
            return new Classes(new int[] {c.classes[c.classes.length == 1 ? 0 : n]}, score());
        }
        return this instanceof Predicted ? new Classes(new int[] {argmax(matrix(logits)[n])}, score()) : this;
    }

    /** The seed {@code d score / d logits} (same shape as {@code logits}) and the scores. */
    default Seed seed(INDArray logits, Head head) {
        double[][] z = matrix(logits);
        int n = z.length;
        int k = z[0].length;
        if (this instanceof Classes c && c.classes.length != 1 && c.classes.length != n) {
            throw perRowMismatch(c.classes.length, n);
        }
        Score score = score();
        double[] dz = new double[n * k];
        int[] explained = new int[n];
        double[] values = new double[n];
        for (int row = 0; row < n; row++) {
            double[] p = score == Score.LOGIT ? null : softmax(z[row]);
            int[] cs = this instanceof Weighted w ? w.classes
                    : this instanceof Classes c ? new int[] {c.classes[c.classes.length == 1 ? 0 : row]}
                    : new int[] {argmax(z[row])};
            double[] ws = this instanceof Weighted w ? w.weights : new double[] {1};
            for (int i = 0; i < cs.length; i++) {
                int c = cs[i];
                if (c >= k) {
                    throw new IllegalArgumentException("target class " + c + " is out of range: '" + head.logits() + "' has "
                            + k + " classes (0.." + (k - 1) + ")");
                }
                values[row] += ws[i] * switch (score) {
                    case LOGIT -> z[row][c];
                    case PROBABILITY -> p[c];
                    case LOG_PROBABILITY -> z[row][c] - logSumExp(z[row]);
                };
                for (int j = 0; j < k; j++) {
                    double delta = j == c ? 1 : 0;
                    dz[row * k + j] += ws[i] * switch (score) {
                        case LOGIT -> delta;
                        case PROBABILITY -> p[c] * (delta - p[j]);
                        case LOG_PROBABILITY -> delta - p[j];
                    };
                }
            }
            explained[row] = this instanceof Weighted ? -1 : cs[0];
        }
        INDArray seed = Flat.create(dz, logits.dataType(), logits.shape());
        return new Seed(seed, new Scores(head.logits(), head.note(), score, explained, values));
    }

    /** A seed gradient at the logits node and what it explains. */
    record Seed(INDArray dz, Scores scores) {}

    /** The index of the largest value, the first one on ties: the predicted class of a row of logits. */
    static int argmax(double[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }

    /** {@code p_j = exp(z_j - max z) / sum_i exp(z_i - max z)}: shifting by the max keeps exp from overflowing. */
    static double[] softmax(double[] z) {
        double max = Arrays.stream(z).max().orElse(0);
        double[] p = new double[z.length];
        double sum = 0;
        for (int j = 0; j < z.length; j++) {
            p[j] = Math.exp(z[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < z.length; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** The logits as {@code [N][K]} doubles (a classifier head may keep trailing 1x1 axes). */
    private static double[][] matrix(INDArray logits) {
        int n = (int) logits.size(0);
        int k = (int) (logits.length() / Math.max(n, 1));
        double[] flat = Flat.read(logits);
        double[][] z = new double[n][];
        for (int row = 0; row < n; row++) {
            z[row] = Arrays.copyOfRange(flat, row * k, (row + 1) * k);
        }
        return z;
    }

    // log sum_j exp z_j without overflow; log(p_c) itself would be -inf once p_c underflows.
    private static double logSumExp(double[] z) {
        double max = Arrays.stream(z).max().orElse(0);
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    private static IllegalArgumentException perRowMismatch(int classes, int rows) {
        return new IllegalArgumentException("the target names " + classes + " classes (one per row) for a batch of " + rows + " rows");
    }

    private static String name(Score s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
