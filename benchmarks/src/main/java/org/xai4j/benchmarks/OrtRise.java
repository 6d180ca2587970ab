package org.xai4j.benchmarks;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.io.Resampling;

/**
 * RISE as a JVM user would write it around ONNX Runtime: the passes of xai4j's {@code Rise},
 * its masks drawn and upsampled the same way (a {@link SplittableRandom} of the seed, cells kept
 * with probability {@code keep}, bilinear to (s + 1) c, a random crop). One clean pass at batch
 * 1, then {@code masks} copies {@code batch} a pass:
 * <pre>
 *   copy_i = M_i x + (1 - M_i) fill,   map = 1 / (N p) sum_i y_c(copy_i) M_i
 * </pre>
 */
final class OrtRise {
    private OrtRise() {}

    /** The map {@code [H * W]} for class {@code c} of one row {@code x [C * H * W]}. */
    static double[] explain(OrtModel model, float[] x, int H, int W, int c, int masks, int grid, double keep, double fill,
                            long seed, int batch) {
        int HW = H * W;
        int C = x.length / HW;
        FloatBuffer one = model.batch(1);
        one.put(x);
        int K = model.logits(one, 1).length;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] sum = new double[HW];
        double[][] m = new double[Math.min(batch, masks)][HW];
        for (int start = 0; start < masks; start += batch) {
            int b = Math.min(batch, masks - start);
            FloatBuffer copies = model.batch(b);
            for (int r = 0; r < b; r++) {
                mask(rng, H, W, grid, keep, m[r]);
                for (int ch = 0; ch < C; ch++) {
                    for (int p = 0; p < HW; p++) {
                        copies.put((float) (m[r][p] * x[ch * HW + p] + (1 - m[r][p]) * fill));
                    }
                }
            }
            float[] y = model.logits(copies, b);
            for (int r = 0; r < b; r++) {
                double s = y[r * K + c];
                for (int p = 0; p < HW; p++) {
                    sum[p] += s * m[r][p];
                }
            }
        }
        for (int p = 0; p < HW; p++) {
            sum[p] /= masks * keep;
        }
        return sum;
    }

    private static void mask(SplittableRandom rng, int H, int W, int grid, double keep, double[] m) {
        int ch = (H + grid - 1) / grid;
        int cw = (W + grid - 1) / grid;
        double[] cells = new double[grid * grid];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = rng.nextDouble() < keep ? 1 : 0;
        }
        int dy = rng.nextInt(ch);
        int dx = rng.nextInt(cw);
        INDArray b = Nd4j.create(cells, new long[] {1, grid, grid}, DataType.DOUBLE);
        INDArray up = Resampling.bilinear(b, (grid + 1) * ch, (grid + 1) * cw);
        double[] u = up.data().asDouble();
        b.close();
        up.close();
        int width = (grid + 1) * cw;
        for (int y = 0; y < H; y++) {
            System.arraycopy(u, (y + dy) * width + dx, m, y * W, W);
        }
    }
}
