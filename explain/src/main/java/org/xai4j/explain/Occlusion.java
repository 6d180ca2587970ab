package org.xai4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Graph;

/**
 * Occlusion sensitivity (Zeiler and Fergus, "Visualizing and Understanding Convolutional
 * Networks", ECCV 2014): how much the score drops when a square of the input is hidden.
 * <pre>
 *   grid[i, j] = y_c(x) - y_c(x with rows i*S .. i*S+P-1, cols j*S .. j*S+P-1 set to the fill)
 *                i = 0 .. (H - P) / S, j = 0 .. (W - P) / S      (row i goes down the image)
 *   map[u, v]  = mean of grid[i, j] over the squares that cover pixel (u, v); 0 where none does
 * </pre>
 * P the patch, S the stride, the fill in every channel of the network's input (0 in the oracle's
 * {@code occlusion.npy}, which {@code grid} reproduces). Shapes: {@code x [N, C, H, W]} ->
 * {@code map [N, H, W]}, {@code grid [N, gh, gw]}. Cost: one forward pass per square plus one,
 * the squares in batches of {@code batchSize}. {@link ReceptiveFieldOcclusion} gives the same
 * numbers faster by recomputing only what a square changes.
 */
public final class Occlusion implements Explainer<Occlusion.Result> {
    private final int patch;
    private final int stride;
    private final Fill fill;
    private final int batchSize;
    private final Progress progress;

    /** The map, the grid of score drops, and what was explained. */
    public record Result(INDArray map, INDArray grid, Scores scores) implements Explanation {
        @Override
        public Map<String, INDArray> arrays(int row) {
            return Map.of("grid", grid.get(NDArrayIndex.point(row)));
        }
    }

    public Occlusion(int patch, int stride, Fill fill, int batchSize, Progress progress) {
        Geometry.checkSettings(patch, stride, batchSize);
        this.patch = patch;
        this.stride = stride;
        this.fill = fill;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    /** Squares of {@code patch} every {@code stride} pixels filled with {@code fill}, batches of 8. */
    public static Occlusion of(int patch, int stride, double fill) {
        return new Occlusion(patch, stride, Fill.value(fill), 8, Progress.NONE);
    }

    @Override
    public Result explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "occlusion");
        Geometry g = Geometry.of(patch, stride, x);
        Head head = Head.of(graph);
        INDArray z = head.at(graph, x);
        progress.advance(x.size(0));
        Scores scores = target.seed(z, head).scores();
        List<INDArray> grids = new ArrayList<>();
        List<INDArray> maps = new ArrayList<>();
        for (int row = 0; row < x.size(0); row++) {
            INDArray xn = NdArrays.row(x, row);
            Target fixed = target.fixedAt(z, row);
            double clean = scores.valueOf(row);
            double[] drops = new double[g.cells()];
            PerturbedScores.score(graph, head, xn, fill.replacementFor(xn), fixed, g.cells(), batchSize, g::writeMask,
                    (i, m, s) -> drops[i] = clean - s, progress);
            grids.add(NdArrays.create(drops, new long[] {1, g.rows(), g.cols()}, x.dataType()));
            maps.add(NdArrays.create(g.perPixel(drops), new long[] {1, g.H(), g.W()}, x.dataType()));
            NdArrays.close(xn == x ? null : xn);
        }
        NdArrays.close(z);
        return new Result(NdArrays.stack(maps), NdArrays.stack(grids), scores);
    }

    /** The squares of one input size: {@code rows x cols} of them, row-major. */
    record Geometry(int patch, int stride, int H, int W, int rows, int cols) {

        static void checkSettings(int patch, int stride, int batchSize) {
            if (patch < 1) {
                throw new IllegalArgumentException("--patch " + patch + ": the occluded square needs a side of at least 1 pixel");
            }
            if (stride < 1) {
                throw new IllegalArgumentException("--stride " + stride + ": squares need a step of at least 1 pixel");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
        }

        static Geometry of(int patch, int stride, INDArray x) {
            return of(patch, stride, (int) x.size(2), (int) x.size(3));
        }

        /** The squares on an H x W input; a one-line error when the patch or the stride does not fit it. */
        static Geometry of(int patch, int stride, int H, int W) {
            if (patch > Math.min(H, W)) {
                throw new IllegalArgumentException("--patch " + patch + ": larger than the input's " + H + " x " + W
                        + "; accepted: 1.." + Math.min(H, W));
            }
            if (stride > Math.max(H, W)) {
                throw new IllegalArgumentException("--stride " + stride + ": larger than the input's " + H + " x " + W
                        + "; accepted: 1.." + Math.max(H, W));
            }
            return new Geometry(patch, stride, H, W, (H - patch) / stride + 1, (W - patch) / stride + 1);
        }

        int cells() {
            return rows * cols;
        }

        int top(int cell) {
            return cell / cols * stride;
        }

        int left(int cell) {
            return cell % cols * stride;
        }

        void writeMask(int cell, double[] m) {
            java.util.Arrays.fill(m, 1);
            for (int u = top(cell); u < top(cell) + patch; u++) {
                java.util.Arrays.fill(m, u * W + left(cell), u * W + left(cell) + patch, 0);
            }
        }

        /** Each pixel: the mean drop of the squares covering it (0 where none does). */
        double[] perPixel(double[] drops) {
            double[] sum = new double[H * W];
            int[] count = new int[H * W];
            for (int cell = 0; cell < cells(); cell++) {
                for (int u = top(cell); u < top(cell) + patch; u++) {
                    for (int v = left(cell); v < left(cell) + patch; v++) {
                        sum[u * W + v] += drops[cell];
                        count[u * W + v]++;
                    }
                }
            }
            for (int p = 0; p < sum.length; p++) {
                sum[p] = count[p] == 0 ? 0 : sum[p] / count[p];
            }
            return sum;
        }
    }
}
