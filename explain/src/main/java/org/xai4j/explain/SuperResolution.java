package org.xai4j.explain;

import java.util.Arrays;
import java.util.List;

/**
 * The super-resolution of Augmented Grad-CAM (Morbidelli et al., ICASSP 2020): the map {@code h}
 * at the input's H x W that best explains L low-resolution maps {@code g_l} (h x w) of augmented
 * copies of the input,
 * <pre>
 *   g_l = D A_l h + noise                                                       (the paper's model)
 *   h^  = argmin_h 1/2 sum_l ||D A_l h - g_l||^2 + lambda TV_l1(h) + mu/2 ||h||^2  (the paper's problem)
 *   TV_l1(h) = sum_ij |h_i,j+1 - h_ij| + |h_i+1,j - h_ij|                       (anisotropic)
 * </pre>
 * with {@code A_l} the augmentation ({@link Augmentation}) and {@code D} the area average onto the
 * h x w grid (each low-resolution cell the mean of the pixels it covers, with fractional weights
 * when H is not a multiple of h). One change to the sum over cells: a cell of an augmented copy
 * that covers some of the zeros brought in from outside the image is left out. The network saw
 * the fill there, not the photo, and its map over the fill need not be 0 as the model says; kept
 * in, such cells can only be explained by the image's edge pixels, and on MobileNetV2 they put
 * the map's peak on the top row. Solved by subgradient descent from {@code h = 0}, as the paper:
 * <pre>
 *   G_k     = sum_l (D A_l)^T (D A_l h_k - g_l) + mu h_k + lambda s_k,   s_k in dTV_l1(h_k) (sign(0) = 0)
 *   h_k+1   = h_k - step / sqrt(k + 1) * G_k
 * </pre>
 * returning the iterate of least objective (subgradient steps need not descend; the shrinking
 * step is the classic schedule that makes the best iterate converge). Each {@code D A_l} is built
 * once as a sparse matrix (a row per low-resolution cell), so an iteration costs two sparse
 * products per augmentation. Step 0 means {@code 1 / (L hw / HW + mu)}, the inverse of a bound on
 * the data term's curvature (||D||^2 = hw/HW, ||A_l|| about 1).
 */
final class SuperResolution {
    private SuperResolution() {}

    /**
     * D A_l as compressed rows: row r's entries are {@code col[start[r]..start[r+1]]}, {@code val[...]};
     * {@code seen[r]}: whether every pixel of cell r comes from inside the image.
     */
    record Operator(int[] start, int[] col, double[] val, boolean[] seen) {

        double[] times(double[] u) {
            double[] y = new double[start.length - 1];
            for (int r = 0; r < y.length; r++) {
                double s = 0;
                for (int e = start[r]; e < start[r + 1]; e++) {
                    s += val[e] * u[col[e]];
                }
                y[r] = s;
            }
            return y;
        }

        /** {@code out += this^T r}. */
        void addTransposeTimes(double[] r, double[] out) {
            for (int row = 0; row < r.length; row++) {
                double v = r[row];
                if (v != 0) {
                    for (int e = start[row]; e < start[row + 1]; e++) {
                        out[col[e]] += val[e] * v;
                    }
                }
            }
        }
    }

    /** {@code R[a][i]}: the share of pixel i in cell a when N pixels are averaged onto n cells. */
    static double[][] area(int n, int N) {
        double[][] R = new double[n][N];
        double size = (double) N / n;
        for (int a = 0; a < n; a++) {
            double lo = a * size;
            double hi = (a + 1) * size;
            for (int i = (int) Math.floor(lo); i < Math.min(N, (int) Math.ceil(hi)); i++) {
                R[a][i] = Math.max(0, Math.min(hi, i + 1) - Math.max(lo, i)) / size;
            }
        }
        return R;
    }

    /** D A as a sparse matrix, (h*w) x (H*W). */
    static Operator operator(Augmentation A, int h, int w, int H, int W) {
        double[][] Ry = area(h, H);
        double[][] Rx = area(w, W);
        double[] acc = new double[H * W];
        boolean[] touched = new boolean[H * W];
        int[] list = new int[H * W];
        int[] start = new int[h * w + 1];
        boolean[] seen = new boolean[h * w];
        int[] col = new int[64];
        double[] val = new double[64];
        int nnz = 0;
        int[] index = new int[4];
        double[] weight = new double[4];
        for (int a = 0; a < h; a++) {
            for (int b = 0; b < w; b++) {
                int count = 0;
                boolean inside = true;
                for (int i = 0; i < H; i++) {
                    if (Ry[a][i] == 0) {
                        continue;
                    }
                    for (int j = 0; j < W; j++) {
                        if (Rx[b][j] == 0) {
                            continue;
                        }
                        double cell = Ry[a][i] * Rx[b][j];
                        inside &= A.taps(i, j, H, W, index, weight);
                        for (int t = 0; t < 4; t++) {
                            if (index[t] >= 0) {
                                if (!touched[index[t]]) {
                                    touched[index[t]] = true;
                                    list[count++] = index[t];
                                }
                                acc[index[t]] += cell * weight[t];
                            }
                        }
                    }
                }
                Arrays.sort(list, 0, count);
                if (nnz + count > col.length) {
                    int size = Math.max(2 * col.length, nnz + count);
                    col = Arrays.copyOf(col, size);
                    val = Arrays.copyOf(val, size);
                }
                for (int e = 0; e < count; e++) {
                    col[nnz] = list[e];
                    val[nnz++] = acc[list[e]];
                    acc[list[e]] = 0;
                    touched[list[e]] = false;
                }
                start[a * w + b + 1] = nnz;
                seen[a * w + b] = inside;
            }
        }
        return new Operator(start, Arrays.copyOf(col, nnz), Arrays.copyOf(val, nnz), seen);
    }

    /** The automatic step: the inverse of a bound on the data term's curvature. */
    static double defaultStep(int augmentations, int h, int w, int H, int W, double mu) {
        return 1 / ((double) augmentations * h * w / ((double) H * W) + mu);
    }

    /** h^ for the maps {@code g[l]} (h*w each) of the augmentations {@code M[l] = D A_l}, H*W values. */
    static double[] solve(List<Operator> M, double[][] g, int H, int W, double lambda, double mu, int iterations, double step) {
        double[] h = new double[H * W];
        double[] best = h.clone();
        double bestObjective = Double.POSITIVE_INFINITY;
        double[] G = new double[H * W];
        for (int k = 0; k <= iterations; k++) {
            Arrays.fill(G, 0);
            double objective = 0;
            for (int l = 0; l < M.size(); l++) {
                double[] r = M.get(l).times(h);
                for (int c = 0; c < r.length; c++) {
                    r[c] = M.get(l).seen()[c] ? r[c] - g[l][c] : 0;
                    objective += 0.5 * r[c] * r[c];
                }
                M.get(l).addTransposeTimes(r, G);
            }
            for (int p = 0; p < h.length; p++) {
                objective += 0.5 * mu * h[p] * h[p];
                G[p] += mu * h[p];
            }
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    int p = i * W + j;
                    if (j + 1 < W) {
                        double d = h[p + 1] - h[p];
                        objective += lambda * Math.abs(d);
                        G[p + 1] += lambda * Math.signum(d);
                        G[p] -= lambda * Math.signum(d);
                    }
                    if (i + 1 < H) {
                        double d = h[p + W] - h[p];
                        objective += lambda * Math.abs(d);
                        G[p + W] += lambda * Math.signum(d);
                        G[p] -= lambda * Math.signum(d);
                    }
                }
            }
            if (objective < bestObjective) {
                bestObjective = objective;
                System.arraycopy(h, 0, best, 0, h.length);
            }
            if (k == iterations) {
                break;
            }
            double eta = step / Math.sqrt(k + 1);
            for (int p = 0; p < h.length; p++) {
                h[p] -= eta * G[p];
            }
        }
        return best;
    }
}
