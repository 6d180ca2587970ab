package org.xai4j.explain;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * SLIC superpixels (Achanta, Shaji, Smith, Lucchi, Fua, Suesstrunk, "SLIC Superpixels Compared to
 * State-of-the-Art Superpixel Methods", TPAMI 2012): k-means on (colour, position) with each
 * centre searching only a 2S x 2S window, S = sqrt(HW / K) the grid interval.
 * <pre>
 *   D = sqrt(d_c^2 + (d_s / S)^2 m^2)      d_c colour distance, d_s pixel distance, m compactness
 * </pre>
 * Colour is the input's own C channels (the model's view; no Lab conversion, since the
 * preprocessing is not known), scaled together so that their overall range is 100, as Lab's
 * lightness is, which is what the paper's m in [1, 40] assumes. Centres start on the grid, moved
 * to the lowest gradient in their 3 x 3 neighbourhood; 10 iterations (the paper finds that
 * enough). Connectivity is then enforced as in the paper's code: every 4-connected piece becomes
 * its own segment, and pieces smaller than a quarter of S^2 join the segment of a neighbour.
 * Labels come out as 0..M-1 in scan order.
 */
final class Slic {
    static final int ITERATIONS = 10;

    private Slic() {}

    /** Labels of {@code H x W} pixels for {@code v [C, H, W]} in C order. */
    static int[] segment(double[] v, int C, int H, int W, int superpixels, double compactness) {
        int n = H * W;
        double lo = Arrays.stream(v).min().orElse(0);
        double hi = Arrays.stream(v).max().orElse(0);
        double scale = hi > lo ? 100 / (hi - lo) : 1;
        double[][] colour = new double[C][n];
        for (int c = 0; c < C; c++) {
            for (int p = 0; p < n; p++) {
                colour[c][p] = v[c * n + p] * scale;
            }
        }
        double S = Math.max(1, Math.sqrt((double) n / Math.min(superpixels, n)));
        int rows = Math.max(1, (int) Math.round(H / S));
        int cols = Math.max(1, (int) Math.round(W / S));
        int K = rows * cols;
        double[][] centre = new double[K][C + 2];     // colour..., y, x
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int y = Math.min(H - 1, (int) ((i + 0.5) * H / rows));
                int x = Math.min(W - 1, (int) ((j + 0.5) * W / cols));
                int p = lowestGradient(colour, H, W, y, x);
                double[] k = centre[i * cols + j];
                for (int c = 0; c < C; c++) {
                    k[c] = colour[c][p];
                }
                k[C] = p / W;
                k[C + 1] = p % W;
            }
        }
        int[] label = new int[n];
        double[] best = new double[n];
        double weight = compactness * compactness / (S * S);
        int window = (int) Math.ceil(S);
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            Arrays.fill(best, Double.POSITIVE_INFINITY);
            Arrays.fill(label, -1);
            for (int k = 0; k < K; k++) {
                double[] ck = centre[k];
                int cy = (int) Math.round(ck[C]);
                int cx = (int) Math.round(ck[C + 1]);
                for (int y = Math.max(0, cy - window); y <= Math.min(H - 1, cy + window); y++) {
                    for (int x = Math.max(0, cx - window); x <= Math.min(W - 1, cx + window); x++) {
                        int p = y * W + x;
                        double dc = 0;
                        for (int c = 0; c < C; c++) {
                            double d = colour[c][p] - ck[c];
                            dc += d * d;
                        }
                        double dy = y - ck[C];
                        double dx = x - ck[C + 1];
                        double D = dc + (dy * dy + dx * dx) * weight;
                        if (D < best[p]) {
                            best[p] = D;
                            label[p] = k;
                        }
                    }
                }
            }
            double[][] sum = new double[K][C + 3];
            for (int p = 0; p < n; p++) {
                if (label[p] < 0) {
                    continue;       // out of every window: left to the connectivity step
                }
                double[] s = sum[label[p]];
                for (int c = 0; c < C; c++) {
                    s[c] += colour[c][p];
                }
                s[C] += p / W;
                s[C + 1] += p % W;
                s[C + 2]++;
            }
            for (int k = 0; k < K; k++) {
                if (sum[k][C + 2] > 0) {
                    for (int d = 0; d < C + 2; d++) {
                        centre[k][d] = sum[k][d] / sum[k][C + 2];
                    }
                }
            }
        }
        return connected(label, H, W, Math.max(1, (int) (S * S / 4)));
    }

    /**
     * Relabels every 4-connected piece of equal labels (an unassigned pixel, -1, is a piece of its
     * own kind) as its own segment in scan order, and merges pieces under {@code minSize} pixels
     * into the segment of the piece met just before them (above or to the left of their first pixel).
     */
    static int[] connected(int[] label, int H, int W, int minSize) {
        int n = H * W;
        int[] out = new int[n];
        Arrays.fill(out, -1);
        int next = 0;
        int[] piece = new int[n];
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        for (int start = 0; start < n; start++) {
            if (out[start] >= 0) {
                continue;
            }
            // The segment before this one in scan order touches it above or on the left.
            int adjacent = start % W > 0 ? out[start - 1] : start >= W ? out[start - W] : -1;
            int size = 0;
            out[start] = next;
            todo.add(start);
            while (!todo.isEmpty()) {
                int p = todo.poll();
                piece[size++] = p;
                int y = p / W;
                int x = p % W;
                int[] neighbours = {y > 0 ? p - W : -1, y < H - 1 ? p + W : -1, x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1};
                for (int q : neighbours) {
                    if (q >= 0 && out[q] < 0 && label[q] == label[start]) {
                        out[q] = next;
                        todo.add(q);
                    }
                }
            }
            if (size < minSize && adjacent >= 0) {
                for (int i = 0; i < size; i++) {
                    out[piece[i]] = adjacent;
                }
            } else {
                next++;
            }
        }
        return out;
    }

    private static int lowestGradient(double[][] colour, int H, int W, int y0, int x0) {
        int best = y0 * W + x0;
        double bestG = Double.POSITIVE_INFINITY;
        for (int y = Math.max(1, y0 - 1); y <= Math.min(H - 2, y0 + 1); y++) {
            for (int x = Math.max(1, x0 - 1); x <= Math.min(W - 2, x0 + 1); x++) {
                double g = 0;
                for (double[] ch : colour) {
                    double gx = ch[y * W + x + 1] - ch[y * W + x - 1];
                    double gy = ch[(y + 1) * W + x] - ch[(y - 1) * W + x];
                    g += gx * gx + gy * gy;
                }
                if (g < bestG) {
                    bestG = g;
                    best = y * W + x;
                }
            }
        }
        return best;
    }
}
