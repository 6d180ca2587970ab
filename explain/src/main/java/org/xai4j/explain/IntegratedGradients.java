package org.xai4j.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;

/**
 * Integrated gradients (Sundararajan, Taly and Yan, "Axiomatic Attribution for Deep Networks",
 * ICML 2017): the gradient averaged along the straight path from a baseline {@code b} to
 * {@code x}, times {@code x - b}.
 * <pre>
 *   IG = (x - b) * int_0^1 dScore/dx (b + alpha (x - b)) d alpha  ~  (x - b) * sum_i w_i g(alpha_i)
 *   completeness gap = sum(IG) - (Score(x) - Score(b))     (0 for the exact integral, eq. 3)
 * </pre>
 * Shapes: {@code x [N, ...]}, map like {@code x}. The steps run as batches of {@code batchSize}
 * interpolated inputs through one forward and one backward pass each (one at a time if the model
 * fixes its batch at 1); the class of row n is the one explained at {@code x} (not re-predicted
 * along the path). Cost: {@code steps} forward and backward passes, plus forward passes of x and b.
 *
 * <p><b>To a requested accuracy</b> ({@code gap > 0}): the rule starts at {@value #FIRST_STEPS}
 * points and is refined ({@link Quadrature#refine}: the right, left and trapezoid rules double
 * their intervals, the midpoint rule triples them), every evaluated point kept, until
 * {@code |completeness gap| <= gap * |Score(x) - Score(b)|}. The gap of each rule is known exactly
 * (the integral is Score(x) - Score(b), eq. 3), so the test is on the true error, not an estimate.
 * {@code steps} is then the cap: a refinement that would pass it is not made, and the result says
 * how many points were used ({@link Result#steps}) and whether the gap was reached.
 */
public final class IntegratedGradients implements Explainer<IntegratedGradients.Result> {

    /** Points of the first rule when refining to a requested gap. */
    public static final int FIRST_STEPS = 4;

    /** The cap front ends use with a gap when no number of steps is given: 1024 forward and backward passes. */
    public static final int GAP_CAP = 1024;

    /**
     * The attribution, the gap per row, the score at the baseline per row, and the gradient
     * evaluations used per row ({@code steps}, or fewer when refining to a gap).
     */
    public record Result(INDArray map, Scores scores, double[] completenessGap, double[] baselineScores, int[] steps)
            implements Explanation {

        /** Whether row {@code n}'s gap is within {@code gap} of |Score(x) - Score(b)|. */
        public boolean reached(int n, double gap) {
            return Math.abs(completenessGap[n]) <= gap * Math.abs(scores.valueOf(n) - baselineScores[n]);
        }
    }

    private final Baseline baseline;
    private final int steps;
    private final Quadrature rule;
    private final int batchSize;
    private final double gap;
    private final Progress progress;

    public IntegratedGradients(Baseline baseline, int steps, Quadrature rule, int batchSize) {
        this(baseline, steps, rule, batchSize, 0, Progress.NONE);
    }

    /** {@code progress} hears of the two score passes and of each batch of path points. */
    public IntegratedGradients(Baseline baseline, int steps, Quadrature rule, int batchSize, Progress progress) {
        this(baseline, steps, rule, batchSize, 0, progress);
    }

    /**
     * {@code gap > 0}: refine the rule until the completeness gap is at most that fraction of
     * |Score(x) - Score(b)|, with at most {@code steps} gradient evaluations; 0: exactly {@code steps}.
     */
    public IntegratedGradients(Baseline baseline, int steps, Quadrature rule, int batchSize, double gap, Progress progress) {
        rule.points(steps);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (!(gap >= 0 && gap < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("gap must be a fraction >= 0 (0: fixed steps), got " + gap);
        }
        if (gap > 0) {
            rule.refine(FIRST_STEPS);
            if (steps < FIRST_STEPS) {
                throw new IllegalArgumentException("refining to a gap starts at " + FIRST_STEPS + " steps, so steps (the cap) "
                        + "must be at least that; got " + steps);
            }
        }
        this.baseline = baseline;
        this.steps = steps;
        this.rule = rule;
        this.batchSize = batchSize;
        this.gap = gap;
        this.progress = progress;
    }

    /** The oracle's setting: zero baseline, right Riemann sum, batches of 8. */
    public static IntegratedGradients of(int steps) {
        return new IntegratedGradients(Baseline.zero(), steps, Quadrature.RIGHT_RIEMANN, 8);
    }

    @Override
    public Result explain(Graph graph, INDArray x, Target target) {
        Head head = Head.of(graph);
        String input = ActivationGradient.inputOf(graph);
        Quadrature.Points q = rule.points(steps);
        int n = (int) x.size(0);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);
        List<INDArray> maps = new ArrayList<>();
        int[] classes = new int[n];
        double[] values = new double[n];
        double[] atBaseline = new double[n];
        double[] gaps = new double[n];
        int[] used = new int[n];
        String note = "";
        for (int row = 0; row < n; row++) {
            INDArray xn = NdArrays.row(x, row);
            INDArray b = baseline.forInput(xn);
            // Two passes rather than one of [x; b]: a model may fix its batch at 1.
            INDArray zx = head.at(graph, xn);
            INDArray zb = head.at(graph, b);
            progress.advance(2);
            INDArray z = Nd4j.concat(0, zx, zb);
            Target fixed = target.row(row, n).fixedAt(z, 0);
            Scores s = fixed.seed(z, head).scores();
            INDArray diff = xn.sub(b);
            classes[row] = s.classOf(0);
            values[row] = s.valueOf(0);
            atBaseline[row] = s.valueOf(1);
            double change = values[row] - atBaseline[row];
            INDArray sum = Nd4j.zerosLike(diff);
            addGradients(graph, input, b, diff, fixed, gap > 0 ? rule.points(FIRST_STEPS) : q, 0, sum, rows, progress);
            used[row] = gap > 0 ? FIRST_STEPS : steps;
            while (gap > 0 && Math.abs(completeness(sum, diff, change)) > gap * Math.abs(change)) {
                Quadrature.Refinement r = rule.refine(used[row]);
                if (used[row] + r.added().alphas().length > steps) {
                    break;
                }
                addGradients(graph, input, b, diff, fixed, r.added(), r.keep(), sum, rows, progress);
                used[row] += r.added().alphas().length;
            }
            INDArray ig = sum.muli(diff);
            INDArray exact = ig.castTo(DataType.DOUBLE);
            gaps[row] = exact.sumNumber().doubleValue() - change;
            note = s.note();
            maps.add(ig);
            // The baseline may be the caller's own array (Baseline.of), so it is left to the GC.
            NdArrays.close(zx, zb, z, diff, exact == ig ? null : exact, xn == x ? null : xn);
        }
        return new Result(NdArrays.stack(maps), new Scores(head.logits(), note, target.score(), classes, values), gaps, atBaseline,
                used);
    }

    /** {@code sum(mean gradient * (x - b)) - (Score(x) - Score(b))}, in double. */
    private static double completeness(INDArray sum, INDArray diff, double change) {
        INDArray ig = sum.castTo(DataType.DOUBLE).mul(diff.castTo(DataType.DOUBLE));
        double g = ig.sumNumber().doubleValue() - change;
        NdArrays.close(ig);
        return g;
    }

    /**
     * {@code sum = keep * sum + sum_i w_i dScore/dx (b + alpha_i (x - b))} for one row, the path
     * points in batches of {@code rows}; each batch's weighted sum is one [1, B] x [B, C*H*W] product.
     */
    private static void addGradients(Graph graph, String input, INDArray b, INDArray diff, Target fixed,
                                     Quadrature.Points q, double keep, INDArray sum, int rows, Progress progress) {
        sum.muli(keep);
        int steps = q.alphas().length;
        for (int start = 0; start < steps; start += rows) {
            int count = Math.min(rows, steps - start);
            double[] alphas = Arrays.copyOfRange(q.alphas(), start, start + count);
            double[] weights = Arrays.copyOfRange(q.weights(), start, start + count);
            INDArray path = diff.mul(NdArrays.create(alphas, NdArrays.column(count, diff.rank()), diff.dataType())).addi(b);
            INDArray g = ActivationGradient.record(graph, path, fixed, input).gradient();
            INDArray w = NdArrays.create(weights, new long[] {1, count}, g.dataType());
            INDArray weighted = w.mmul(g.reshape(count, diff.length()));
            sum.addi(weighted.reshape(diff.shape()));
            NdArrays.close(path, g, w, weighted);
            progress.advance(count);
        }
    }
}
