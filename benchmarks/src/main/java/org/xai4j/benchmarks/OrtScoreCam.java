package org.xai4j.benchmarks;

import java.nio.FloatBuffer;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.explain.Upsampling;

/**
 * Score-CAM as a JVM user would write it around ONNX Runtime: the passes of xai4j's
 * {@code ScoreCam}, its masks built the same way. One pass at batch 1 for the feature maps A
 * {@code [K, h, w]} (an extra output of the file, {@link OnnxFiles#withOutput}) and the logits,
 * one for the all-zero baseline, then the K masked inputs {@code batch} a pass:
 * <pre>
 *   H_k = minmax(bilinear(A_k)),  alpha_k = softmax(y(x H_k))_c - softmax(y(0))_c
 *   map = bilinear(relu(sum_k alpha_k A_k))
 * </pre>
 * ResNet-18's layer4 has K = 512 maps (2 + 64 passes at batch 8), MobileNetV2's last stage 1280.
 */
final class OrtScoreCam {
    private OrtScoreCam() {}

    /** The map {@code [H * W]} for class {@code c} of one row {@code x [C * H * W]}, read at the output {@code layer}. */
    static double[] explain(OrtModel model, String layer, float[] x, int H, int W, int c, int batch) {
        int HW = H * W;
        int C = x.length / HW;
        FloatBuffer one = model.batch(1);
        one.put(x);
        List<OrtModel.Output> out = model.run(one, 1, List.of(model.logits(), layer));
        long[] shape = out.get(1).shape();
        if (shape.length != 4) {
            throw new IllegalArgumentException("'" + layer + "' has shape " + java.util.Arrays.toString(shape) + "; Score-CAM needs feature maps [1, K, h, w]");
        }
        int K = (int) shape[1];
        float[] A = out.get(1).values();
        double[] masks = masks(A, K, (int) shape[2], (int) shape[3], H, W);

        FloatBuffer zero = model.batch(1);
        zero.put(new float[x.length]);
        float[] z0 = model.logits(zero, 1);
        int classes = z0.length;
        double atBaseline = OrtModel.probability(z0, classes, 0, c);
        double[] alpha = new double[K];
        for (int start = 0; start < K; start += batch) {
            int b = Math.min(batch, K - start);
            FloatBuffer masked = model.batch(b);
            for (int r = 0; r < b; r++) {
                int m = (start + r) * HW;
                for (int ch = 0; ch < C; ch++) {
                    for (int p = 0; p < HW; p++) {
                        masked.put((float) masks[m + p] * x[ch * HW + p]);
                    }
                }
            }
            float[] y = model.logits(masked, b);
            for (int r = 0; r < b; r++) {
                alpha[start + r] = OrtModel.probability(y, classes, r, c) - atBaseline;
            }
        }
        int hw = (int) (shape[2] * shape[3]);
        double[] raw = new double[hw];
        for (int k = 0; k < K; k++) {
            for (int p = 0; p < hw; p++) {
                raw[p] += alpha[k] * A[k * hw + p];
            }
        }
        for (int p = 0; p < hw; p++) {
            raw[p] = Math.max(raw[p], 0);
        }
        return upsample(raw, 1, (int) shape[2], (int) shape[3], H, W);
    }

    /** H_k of ScoreCam.masks: each map upsampled to H x W and scaled to [0, 1] (0 when constant). */
    private static double[] masks(float[] A, int K, int h, int w, int H, int W) {
        double[] a = new double[A.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = A[i];
        }
        double[] m = upsample(a, K, h, w, H, W);
        int HW = H * W;
        for (int k = 0; k < K; k++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = k * HW; i < (k + 1) * HW; i++) {
                lo = Math.min(lo, m[i]);
                hi = Math.max(hi, m[i]);
            }
            for (int i = k * HW; i < (k + 1) * HW; i++) {
                m[i] = hi > lo ? (m[i] - lo) / (hi - lo) : 0;
            }
        }
        return m;
    }

    private static double[] upsample(double[] maps, int n, int h, int w, int H, int W) {
        // Float, as ScoreCam upsamples the network's float maps (computed in double, stored in float).
        INDArray a = Nd4j.create(maps, new long[] {n, h, w}, DataType.FLOAT);
        INDArray up = Upsampling.bilinear(a, H, W);
        double[] u = up.data().asDouble();
        a.close();
        up.close();
        return u;
    }
}
