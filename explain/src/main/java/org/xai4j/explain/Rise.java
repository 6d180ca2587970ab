package org.xai4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Resampling;

/**
 * RISE (Petsiuk, Das, Saenko, "RISE: Randomized Input Sampling for Explanation of Black-box
 * Models", BMVC 2018): the score of randomly masked copies, averaged with the masks as weights.
 * <pre>
 *   M_i  = crop_{H x W at (dy, dx)}( bilinear( b_i, (s + 1) c ) )       (the paper's section 3.2)
 *          b_i [s, s] cells, each 1 with probability p; c = ceil(H / s) x ceil(W / s) pixels;
 *          dy, dx uniform in 0 .. c - 1 (the paper's code: its grid resized to (s + 1) c, then cropped)
 *   map  = 1 / (N p) sum_i score(M_i x + (1 - M_i) fill) M_i            (section 3.1, E[M] = p)
 * </pre>
 * The score is the target's (by default the pre-softmax logit; the paper uses the probability,
 * {@link Target.Score#PROBABILITY}); the fill is 0 in the paper. Upsampling is bilinear with
 * half-pixel centres ({@link Resampling}). Masks come from a {@link SplittableRandom} of
 * {@code seed}, so a seed gives the same masks on every backend, and are made batch by batch.
 * Shapes: {@code x [N, C, H, W]} -> {@code map [N, H, W]}. Cost: N + 1 forward passes.
 */
public final class Rise implements Explainer<HeatMap> {
    private final int masks;
    private final int grid;
    private final double keep;
    private final Fill fill;
    private final long seed;
    private final int batchSize;
    private final Progress progress;

    public Rise(int masks, int grid, double keep, Fill fill, long seed, int batchSize, Progress progress) {
        if (masks < 1) {
            throw new IllegalArgumentException("--masks " + masks + ": at least 1 mask");
        }
        Parameter.MASKS.check(masks);
        if (grid < 1) {
            throw new IllegalArgumentException("--grid " + grid + ": a mask needs at least 1 x 1 cells");
        }
        if (!(keep > 0 && keep < 1)) {
            throw new IllegalArgumentException("--keep " + keep + ": the probability of keeping a cell must lie in (0, 1)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.masks = masks;
        this.grid = grid;
        this.keep = keep;
        this.fill = fill;
        this.seed = seed;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    /** {@code masks} masks on a {@code grid x grid} grid keeping {@code keep}, fill 0, seed 0, batches of 8. */
    public static Rise of(int masks, int grid, double keep) {
        return new Rise(masks, grid, keep, Fill.value(0), 0, 8, Progress.NONE);
    }

    @Override
    public HeatMap explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "RISE");
        int H = (int) x.size(2);
        int W = (int) x.size(3);
        checkGrid(grid, H, W);
        Head head = Head.of(graph);
        INDArray z = head.at(graph, x);
        progress.advance(x.size(0));
        Scores scores = target.seed(z, head).scores();
        List<INDArray> maps = new ArrayList<>();
        for (int row = 0; row < x.size(0); row++) {
            INDArray xn = NdArrays.row(x, row);
            SplittableRandom rng = new SplittableRandom(seed);
            double[] sum = new double[H * W];
            PerturbedScores.score(graph, head, xn, fill.replacementFor(xn), target.fixedAt(z, row), masks, batchSize,
                    (i, m) -> mask(rng, H, W, m), (i, m, s) -> {
                        for (int p = 0; p < sum.length; p++) {
                            sum[p] += s * m[p];
                        }
                    }, progress);
            for (int p = 0; p < sum.length; p++) {
                sum[p] /= masks * keep;
            }
            maps.add(NdArrays.create(sum, new long[] {1, H, W}, x.dataType()));
            NdArrays.close(xn == x ? null : xn);
        }
        NdArrays.close(z);
        return new HeatMap(NdArrays.stack(maps), scores);
    }

    /** A one-line error when a grid of {@code grid x grid} cells has more cells than the H x W input has pixels. */
    static void checkGrid(int grid, int H, int W) {
        if (grid > Math.min(H, W)) {
            throw new IllegalArgumentException("--grid " + grid + ": more cells than the input's " + H + " x " + W
                    + " pixels; accepted: 1.." + Math.min(H, W));
        }
    }

    /** One mask into {@code m [H*W]}; masks are drawn in index order, so the generator's sequence fixes them. */
    void mask(SplittableRandom rng, int H, int W, double[] m) {
        int ch = (H + grid - 1) / grid;
        int cw = (W + grid - 1) / grid;
        double[] cells = new double[grid * grid];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = rng.nextDouble() < keep ? 1 : 0;
        }
        int dy = rng.nextInt(ch);
        int dx = rng.nextInt(cw);
        INDArray up = Resampling.bilinear(NdArrays.create(cells, new long[] {1, grid, grid},
                org.nd4j.linalg.api.buffer.DataType.DOUBLE), (grid + 1) * ch, (grid + 1) * cw);
        double[] u = Flat.read(up);
        NdArrays.close(up);
        int width = (grid + 1) * cw;
        for (int y = 0; y < H; y++) {
            System.arraycopy(u, (y + dy) * width + dx, m, y * W, W);
        }
    }
}
