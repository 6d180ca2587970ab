package org.xai4j.explain;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What to explain in each row of a batch: a class (the predicted one by default), one class per
 * row, or a weighted set of classes; and which score of it: the pre-softmax logit (default), the
 * softmax probability or its logarithm.
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
public final class Target {

    /** Which function of the logits is explained. */
    public enum Score { LOGIT, PROBABILITY, LOG_PROBABILITY }

    private final int[] classes;    // null: the predicted class of each row; length 1: every row
    private final double[] weights; // null unless a weighted set (then shared by every row)
    private final Score score;

    private Target(int[] classes, double[] weights, Score score) {
        this.classes = classes;
        this.weights = weights;
        this.score = score;
    }

    /** The top class of each row (argmax of the logits), the default. */
    public static Target predicted() {
        return new Target(null, null, Score.LOGIT);
    }

    /** Class {@code c} in every row. */
    public static Target of(int c) {
        return perRow(c);
    }

    /** One class per row of the batch (or one class for every row). */
    public static Target perRow(int... classes) {
        if (classes.length == 0) {
            throw new IllegalArgumentException("a target needs at least one class");
        }
        for (int c : classes) {
            if (c < 0) {
                throw new IllegalArgumentException("target class " + c + " is out of range: classes start at 0");
            }
        }
        return new Target(classes.clone(), null, Score.LOGIT);
    }

    /** {@code sum_i weights[i] * score(classes[i])} in every row. */
    public static Target weighted(int[] classes, double[] weights) {
        if (classes.length == 0 || classes.length != weights.length) {
            throw new IllegalArgumentException("a weighted target needs as many weights as classes (got "
                    + classes.length + " classes, " + weights.length + " weights)");
        }
        perRow(classes);
        return new Target(classes.clone(), weights.clone(), Score.LOGIT);
    }

    /** The same classes, explained through another score. */
    public Target withScore(Score s) {
        return new Target(classes, weights, s);
    }

    public Score score() {
        return score;
    }

    /**
     * The part of this target that concerns row {@code n} of a batch of {@code rows}, to be
     * explained on its own (integrated gradients takes one row at a time).
     */
    Target row(int n, int rows) {
        if (classes == null || weights != null || classes.length == 1) {
            return this;
        }
        if (classes.length != rows) {
            throw new IllegalArgumentException("the target names " + classes.length + " classes (one per row) for a batch of "
                    + rows + " rows");
        }
        return new Target(new int[] {classes[n]}, null, score);
    }

    /**
     * This target with the class of row {@code n} fixed, so that it can be applied to every row
     * of a batch of perturbed copies of that row: integrated gradients and SmoothGrad must
     * explain the class predicted for the clean input, not a class re-predicted per copy.
     */
    Target fixedAt(INDArray logits, int n) {
        if (weights != null) {
            return this;
        }
        int c = classes == null ? argmax(matrix(logits)[n]) : classes[classes.length == 1 ? 0 : n];
        return new Target(new int[] {c}, null, score);
    }

    /** The seed {@code d score / d logits} (same shape as {@code logits}) and the scores. */
    Seed seed(INDArray logits, Logits node) {
        double[][] z = matrix(logits);
        int n = z.length;
        int k = z[0].length;
        if (classes != null && weights == null && classes.length != 1 && classes.length != n) {
            throw new IllegalArgumentException("the target names " + classes.length + " classes (one per row) for a batch of "
                    + n + " rows");
        }
        double[][] dz = new double[n][k];
        int[] explained = new int[n];
        double[] values = new double[n];
        for (int row = 0; row < n; row++) {
            double[] p = score == Score.LOGIT ? null : softmax(z[row]);
            int[] cs = classes == null ? new int[] {argmax(z[row])}
                    : weights != null || classes.length == 1 ? classes : new int[] {classes[row]};
            for (int i = 0; i < cs.length; i++) {
                int c = cs[i];
                if (c >= k) {
                    throw new IllegalArgumentException("target class " + c + " is out of range: '" + node.node() + "' has "
                            + k + " classes (0.." + (k - 1) + ")");
                }
                double w = weights == null ? 1 : weights[i];
                values[row] += w * switch (score) {
                    case LOGIT -> z[row][c];
                    case PROBABILITY -> p[c];
                    case LOG_PROBABILITY -> z[row][c] - logSumExp(z[row]);
                };
                for (int j = 0; j < k; j++) {
                    double delta = j == c ? 1 : 0;
                    dz[row][j] += w * switch (score) {
                        case LOGIT -> delta;
                        case PROBABILITY -> p[c] * (delta - p[j]);
                        case LOG_PROBABILITY -> delta - p[j];
                    };
                }
            }
            explained[row] = weights == null ? cs[0] : -1;
        }
        INDArray seed = Nd4j.create(dz).castTo(logits.dataType()).reshape(logits.shape());
        return new Seed(seed, new Scores(node.node(), node.note(), score, explained, values));
    }

    /** A seed gradient at the logits node and what it explains. */
    record Seed(INDArray dz, Scores scores) {}

    /** The logits as {@code [N][K]} doubles (a classifier head may keep trailing 1x1 axes). */
    static double[][] matrix(INDArray logits) {
        long n = logits.size(0);
        return logits.castTo(DataType.DOUBLE).reshape('c', n, logits.length() / n).toDoubleMatrix();
    }

    /** The index of the largest value, the first one on ties: the predicted class of a row of logits. */
    public static int argmax(double[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }

    /** {@code p_j = exp(z_j - max z) / sum_i exp(z_i - max z)}: shifting by the max keeps exp from overflowing. */
    public static double[] softmax(double[] z) {
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

    // log sum_j exp z_j without overflow; log(p_c) itself would be -inf once p_c underflows.
    private static double logSumExp(double[] z) {
        double max = Arrays.stream(z).max().orElse(0);
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    @Override
    public String toString() {
        String which = classes == null ? "predicted class"
                : weights == null ? "class " + (classes.length == 1 ? classes[0] : Arrays.toString(classes))
                : "classes " + Arrays.toString(classes) + " weighted " + Arrays.toString(weights);
        return which + ", " + score.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
