package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;

/**
 * Channel weights of the CAM family and the weighted channel sum they feed. Inputs are an
 * activation {@code A [N, K, h, w]} and gradients of the same shape; weights are {@code [N, K]};
 * maps are {@code [N, h, w]}. Computed in double (these arrays are small: K*h*w per row).
 */
public final class ChannelWeights {
    /**
     * The constant in Grad-CAM++'s denominator. Its place matters: on a ResNet's last block the
     * gradients are about 1e-3, so {@code g^2} is about this size (oracle README).
     */
    public static final double PLUS_PLUS_EPS = 1e-6;

    private ChannelWeights() {}

    /** A rule that weights the channels of {@code A} from the gradient {@code g}. */
    @FunctionalInterface
    public interface Weighting {
        INDArray weights(INDArray A, INDArray g);
    }

    /** Grad-CAM (Selvaraju et al. 2017, eq. 1): {@code alpha_k = (1/hw) sum_ij g_kij}. */
    public static INDArray meanGradient(INDArray A, INDArray g) {
        return channelMeans(Flat.read(g), g);
    }

    /** Grad-CAM restricted to positive gradients: {@code alpha_k = (1/hw) sum_ij relu(g_kij)}. */
    public static INDArray meanPositiveGradient(INDArray A, INDArray g) {
        double[] d1 = Flat.read(g);
        for (int i = 0; i < d1.length; i++) {
            d1[i] = Math.max(d1[i], 0);
        }
        return channelMeans(d1, g);
    }

    /**
     * Grad-CAM++ (Chattopadhay et al. 2018, eq. 19 with raw-score gradients, as pytorch-grad-cam):
     * <pre>
     *   a_kij = g^2 / (2 g^2 + (sum_ij A_kij) g^3 + 1e-6),   w_k = sum_ij [g > 0] g a_kij
     * </pre>
     */
    public static INDArray gradCamPlusPlus(INDArray A, INDArray g) {
        double[] d1 = Flat.read(g);
        double[] d2 = new double[d1.length];
        double[] d3 = new double[d1.length];
        for (int i = 0; i < d1.length; i++) {
            d2[i] = d1[i] * d1[i];
            d3[i] = d2[i] * d1[i];
        }
        return plusPlus(A, d1, d2, d3);
    }

    /**
     * Grad-CAM++ from averaged derivatives (Smooth Grad-CAM++, Omeiza et al. 2019): the same
     * closed form with {@code g, g^2, g^3} replaced by their means over noisy copies.
     */
    static INDArray plusPlus(INDArray A, double[] d1, double[] d2, double[] d3) {
        int n = (int) A.size(0);
        int k = (int) A.size(1);
        int hw = (int) (A.size(2) * A.size(3));
        double[] a = Flat.read(A);
        double[] w = new double[n * k];
        for (int c = 0; c < n * k; c++) {
            double sumA = 0;
            for (int i = c * hw; i < (c + 1) * hw; i++) {
                sumA += a[i];
            }
            double wk = 0;
            for (int i = c * hw; i < (c + 1) * hw; i++) {
                // Summing only where g > 0 (rather than relu(g) * alpha) keeps 0 * inf out of the sum.
                if (d1[i] > 0) {
                    wk += d1[i] * d2[i] / (2 * d2[i] + sumA * d3[i] + PLUS_PLUS_EPS);
                }
            }
            w[c] = wk;
        }
        return NdArrays.create(w, new long[] {n, k}, A.dataType());
    }

    /**
     * XGrad-CAM (Fu et al. 2020, eq. 11): the gradient averaged with the activation as weights,
     * {@code alpha_k = sum_ij (A_kij / sum_ab A_kab) g_kij}. A channel whose activations sum to 0
     * gets 0: when it is all zeros (the usual case after a ReLU) its term alpha_k A_k is 0 for
     * any alpha_k, which is the limit the formula tends to.
     */
    public static INDArray xGradCam(INDArray A, INDArray g) {
        int hw = (int) (A.size(2) * A.size(3));
        double[] a = Flat.read(A);
        double[] d1 = Flat.read(g);
        double[] w = new double[(int) (A.size(0) * A.size(1))];
        for (int c = 0; c < w.length; c++) {
            double sumA = 0;
            double sumAg = 0;
            for (int i = c * hw; i < (c + 1) * hw; i++) {
                sumA += a[i];
                sumAg += a[i] * d1[i];
            }
            w[c] = sumA == 0 ? 0 : sumAg / sumA;
        }
        return NdArrays.create(w, new long[] {A.size(0), A.size(1)}, A.dataType());
    }

    /**
     * {@code sum_k G_kij A_kij}, shape {@code [N, h, w]}: a weight per channel and position
     * (HiResCAM's gradient, LayerCAM's positive gradient) instead of one per channel.
     */
    public static INDArray positionWeightedSum(INDArray A, INDArray G) {
        int n = (int) A.size(0);
        int k = (int) A.size(1);
        int hw = (int) (A.size(2) * A.size(3));
        double[] a = Flat.read(A);
        double[] w = Flat.read(G);
        double[] cam = new double[n * hw];
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < k; c++) {
                int off = (b * k + c) * hw;
                for (int i = 0; i < hw; i++) {
                    cam[b * hw + i] += w[off + i] * a[off + i];
                }
            }
        }
        return NdArrays.create(cam, new long[] {n, A.size(2), A.size(3)}, A.dataType());
    }

    /** {@code sum_k w_k A_k}, shape {@code [N, h, w]}; no ReLU (CAM keeps the sign). */
    public static INDArray weightedSum(INDArray A, INDArray weights) {
        int n = (int) A.size(0);
        int k = (int) A.size(1);
        int hw = (int) (A.size(2) * A.size(3));
        if (weights.size(0) != n || weights.size(1) != k) {
            throw new IllegalArgumentException("weights " + java.util.Arrays.toString(weights.shape()) + " do not match activation "
                    + java.util.Arrays.toString(A.shape()));
        }
        double[] a = Flat.read(A);
        double[] w = Flat.read(weights);
        double[] cam = new double[n * hw];
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < k; c++) {
                double wk = w[b * k + c];
                int off = (b * k + c) * hw;
                for (int i = 0; i < hw; i++) {
                    cam[b * hw + i] += wk * a[off + i];
                }
            }
        }
        return NdArrays.create(cam, new long[] {n, A.size(2), A.size(3)}, A.dataType());
    }

    private static INDArray channelMeans(double[] v, INDArray like) {
        int n = (int) like.size(0);
        int k = (int) like.size(1);
        int hw = (int) (like.size(2) * like.size(3));
        double[] w = new double[n * k];
        for (int c = 0; c < n * k; c++) {
            double sum = 0;
            for (int i = c * hw; i < (c + 1) * hw; i++) {
                sum += v[i];
            }
            w[c] = sum / hw;
        }
        return NdArrays.create(w, new long[] {n, k}, like.dataType());
    }
}
