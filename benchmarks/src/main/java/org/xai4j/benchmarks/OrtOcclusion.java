package org.xai4j.benchmarks;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Occlusion as a JVM user would write it around ONNX Runtime: the passes of xai4j's naive
 * {@code Occlusion}, built the same way. One clean pass at batch 1, then the squares of
 * {@code patch} every {@code stride} pixels, {@code batch} copies a pass:
 * <pre>
 *   copy_k = m_k x + (1 - m_k) fill      (in double, stored as float; m_k is 0 on square k, 1 elsewhere)
 *   grid[k] = y_c(x) - y_c(copy_k),  map = mean of grid over the squares covering each pixel
 * </pre>
 * ResNet at 224 x 224, patch 32, stride 16: 13 x 13 = 169 squares, 1 + 22 passes at batch 8.
 */
final class OrtOcclusion {
    private OrtOcclusion() {}

    /** The per-pixel map {@code [H * W]} for class {@code c} of one row {@code x [C * H * W]}. */
    static double[] explain(OrtModel model, float[] x, int H, int W, int c, int patch, int stride, double fill, int batch) {
        int HW = H * W;
        int C = x.length / HW;
        FloatBuffer one = model.batch(1);
        one.put(x);
        float[] z = model.logits(one, 1);
        int K = z.length;
        double clean = z[c];
        int rows = (H - patch) / stride + 1;
        int cols = (W - patch) / stride + 1;
        int cells = rows * cols;
        double[] drops = new double[cells];
        double[] m = new double[HW];
        for (int start = 0; start < cells; start += batch) {
            int b = Math.min(batch, cells - start);
            FloatBuffer copies = model.batch(b);
            for (int r = 0; r < b; r++) {
                int top = (start + r) / cols * stride;
                int left = (start + r) % cols * stride;
                Arrays.fill(m, 1);
                for (int u = top; u < top + patch; u++) {
                    Arrays.fill(m, u * W + left, u * W + left + patch, 0);
                }
                for (int ch = 0; ch < C; ch++) {
                    for (int p = 0; p < HW; p++) {
                        copies.put((float) (m[p] * x[ch * HW + p] + (1 - m[p]) * fill));
                    }
                }
            }
            float[] y = model.logits(copies, b);
            for (int r = 0; r < b; r++) {
                drops[start + r] = clean - y[r * K + c];
            }
        }
        return perPixel(drops, H, W, cols, patch, stride);
    }

    private static double[] perPixel(double[] drops, int H, int W, int cols, int patch, int stride) {
        double[] sum = new double[H * W];
        int[] count = new int[H * W];
        for (int k = 0; k < drops.length; k++) {
            int top = k / cols * stride;
            int left = k % cols * stride;
            for (int u = top; u < top + patch; u++) {
                for (int v = left; v < left + patch; v++) {
                    sum[u * W + v] += drops[k];
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
