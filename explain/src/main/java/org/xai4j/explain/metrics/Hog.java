package org.xai4j.explain.metrics;

/**
 * Histogram of oriented gradients (Dalal and Triggs, CVPR 2005) of one map, with the settings of
 * scikit-image's {@code hog} defaults that the sanity-check paper used: central-difference
 * gradients, 9 unsigned orientation bins over [0, 180) degrees, 8 x 8 pixel cells (each bin the
 * mean magnitude of the cell's pixels in that orientation range), 3 x 3 cell blocks with stride
 * one cell, L2-Hys block normalization (L2, clip at 0.2, L2 again). A map smaller than one block
 * is described by its single cell grid, normalized as one block.
 */
final class Hog {
    private Hog() {}

    static final int BINS = 9, CELL = 8, BLOCK = 3;

    static double[] of(double[] v, int H, int W) {
        int cy = Math.max(1, H / CELL), cx = Math.max(1, W / CELL);
        int cellH = Math.min(CELL, H), cellW = Math.min(CELL, W);
        double[] cells = new double[cy * cx * BINS];
        for (int y = 0; y < cy * cellH; y++) {
            for (int x = 0; x < cx * cellW; x++) {
                double gx = (x > 0 && x < W - 1) ? v[y * W + x + 1] - v[y * W + x - 1] : 0;
                double gy = (y > 0 && y < H - 1) ? v[(y + 1) * W + x] - v[(y - 1) * W + x] : 0;
                double magnitude = Math.hypot(gx, gy);
                double angle = Math.toDegrees(Math.atan2(gy, gx));
                if (angle < 0) {
                    angle += 180;
                }
                int bin = Math.min(BINS - 1, (int) (angle / (180.0 / BINS)));
                cells[((y / cellH) * cx + x / cellW) * BINS + bin] += magnitude / (cellH * cellW);
            }
        }
        int by = Math.max(1, cy - BLOCK + 1), bx = Math.max(1, cx - BLOCK + 1);
        int bh = Math.min(BLOCK, cy), bw = Math.min(BLOCK, cx);
        double[] out = new double[by * bx * bh * bw * BINS];
        int o = 0;
        for (int y = 0; y < by; y++) {
            for (int x = 0; x < bx; x++) {
                int start = o;
                for (int i = 0; i < bh; i++) {
                    for (int j = 0; j < bw; j++) {
                        System.arraycopy(cells, ((y + i) * cx + x + j) * BINS, out, o, BINS);
                        o += BINS;
                    }
                }
                l2hys(out, start, o);
            }
        }
        return out;
    }

    private static void l2hys(double[] a, int from, int to) {
        normalize(a, from, to);
        for (int i = from; i < to; i++) {
            a[i] = Math.min(a[i], 0.2);
        }
        normalize(a, from, to);
    }

    private static void normalize(double[] a, int from, int to) {
        double s = 1e-10;
        for (int i = from; i < to; i++) {
            s += a[i] * a[i];
        }
        double n = Math.sqrt(s);
        for (int i = from; i < to; i++) {
            a[i] /= n;
        }
    }
}
