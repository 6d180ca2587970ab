package org.xai4j.layers.loops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Flat;

/**
 * Convolution and pooling as plain loops straight from their definitions, in double, with
 * explicit pads {top, left, bottom, right}: the clearest statement of backprop to the input in
 * the project, and the reference the fast layers ({@code Conv2d}, {@code MaxPool2d},
 * {@code AvgPool2d}, the compiled plans) are tested against. Each gradient follows from one
 * sentence: every product {@code W[k,c,r,s] x[...]} in the forward sum sends {@code W dy} back to
 * its {@code x} and {@code x dy} to its {@code W}. Far too slow for real networks (seven nested
 * loops); read them, and test against them.
 */
public final class Loops {
    private Loops() {}

    /** y[n,k,i,j] = b[k] + sum_{c,r,s} W[k,c,r,s] x[n, g*Cg + c, i sH - top + r dH, j sW - left + s dW]. */
    public static INDArray conv(INDArray x, INDArray w, INDArray b, int sH, int sW, int[] pads, int dH, int dW, int groups) {
        long N = x.size(0), H = x.size(2), W = x.size(3);
        long K = w.size(0), Cg = w.size(1), R = w.size(2), S = w.size(3), Kg = K / groups;
        long OH = (H + pads[0] + pads[2] - ((R - 1) * dH + 1)) / sH + 1;
        long OW = (W + pads[1] + pads[3] - ((S - 1) * dW + 1)) / sW + 1;
        double[] xs = Flat.read(x);
        double[] ws = Flat.read(w);
        double[] y = new double[(int) (N * K * OH * OW)];
        for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) for (int i = 0; i < OH; i++) for (int j = 0; j < OW; j++) {
            double acc = b == null ? 0 : b.getDouble(k);
            long g = k / Kg;
            for (int c = 0; c < Cg; c++) for (int r = 0; r < R; r++) for (int s = 0; s < S; s++) {
                long h = i * sH - pads[0] + r * dH, v = j * sW - pads[1] + s * dW;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                acc += xs[(int) ((((n * groups + g) * Cg + c) * H + h) * W + v)] * ws[(int) (((k * Cg + c) * R + r) * S + s)];
            }
            y[(int) (((n * K + k) * OH + i) * OW + j)] = acc;
        }
        return Nd4j.create(y, new long[] {N, K, OH, OW}, DataType.DOUBLE);
    }

    /** dx = dL/dx of {@link #conv} for dy = dL/dy: every product W[k,c,r,s] x[...] sends W dy back to its x. */
    public static INDArray convInputGradient(INDArray dy, INDArray w, long[] xShape, int sH, int sW, int[] pads, int dH, int dW, int groups) {
        long N = xShape[0], H = xShape[2], W = xShape[3];
        long K = w.size(0), Cg = w.size(1), R = w.size(2), S = w.size(3), Kg = K / groups;
        long OH = dy.size(2), OW = dy.size(3);
        double[] dys = Flat.read(dy);
        double[] ws = Flat.read(w);
        double[] dx = new double[(int) (N * groups * Cg * H * W)];
        for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) for (int i = 0; i < OH; i++) for (int j = 0; j < OW; j++) {
            double g = dys[(int) (((n * K + k) * OH + i) * OW + j)];
            long grp = k / Kg;
            for (int c = 0; c < Cg; c++) for (int r = 0; r < R; r++) for (int s = 0; s < S; s++) {
                long h = i * sH - pads[0] + r * dH, v = j * sW - pads[1] + s * dW;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                dx[(int) ((((n * groups + grp) * Cg + c) * H + h) * W + v)] += g * ws[(int) (((k * Cg + c) * R + r) * S + s)];
            }
        }
        return Nd4j.create(dx, xShape, DataType.DOUBLE);
    }

    /** dW = dL/dW of {@link #conv}: every product W[k,c,r,s] x[...] sends x dy to its weight. */
    public static INDArray convWeightGradient(INDArray x, INDArray dy, long[] wShape, int sH, int sW, int[] pads, int dH, int dW, int groups) {
        long N = x.size(0), H = x.size(2), W = x.size(3);
        long K = wShape[0], Cg = wShape[1], R = wShape[2], S = wShape[3], Kg = K / groups;
        long OH = dy.size(2), OW = dy.size(3);
        double[] xs = Flat.read(x);
        double[] dys = Flat.read(dy);
        double[] dw = new double[(int) (K * Cg * R * S)];
        for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) for (int i = 0; i < OH; i++) for (int j = 0; j < OW; j++) {
            double g = dys[(int) (((n * K + k) * OH + i) * OW + j)];
            long grp = k / Kg;
            for (int c = 0; c < Cg; c++) for (int r = 0; r < R; r++) for (int s = 0; s < S; s++) {
                long h = i * sH - pads[0] + r * dH, v = j * sW - pads[1] + s * dW;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                dw[(int) (((k * Cg + c) * R + r) * S + s)] += g * xs[(int) ((((n * groups + grp) * Cg + c) * H + h) * W + v)];
            }
        }
        return Nd4j.create(dw, wShape, DataType.DOUBLE);
    }

    /** db = dL/db of {@link #conv}: b[k] is added to every y[n,k,i,j]. */
    public static INDArray convBiasGradient(INDArray dy) {
        long N = dy.size(0), K = dy.size(1), P = dy.size(2) * dy.size(3);
        double[] dys = Flat.read(dy);
        double[] db = new double[(int) K];
        for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) for (int p = 0; p < P; p++) {
            db[k] += dys[(int) ((n * K + k) * P + p)];
        }
        return Nd4j.create(db, new long[] {K}, DataType.DOUBLE);
    }

    /** Max over the window's in-image taps; OH, OW given (ceil mode is the layer's business). */
    public static INDArray maxPool(INDArray x, int kH, int kW, int sH, int sW, int[] pads, int dH, int dW, long OH, long OW) {
        return pool(x, kH, kW, sH, sW, pads, dH, dW, OH, OW, 0);
    }

    /** Average with the divisor of {@code mode}: 1 = taps in the padded input, 2 = taps in the image. */
    public static INDArray avgPool(INDArray x, int kH, int kW, int sH, int sW, int[] pads, long OH, long OW, boolean includePad) {
        return pool(x, kH, kW, sH, sW, pads, 1, 1, OH, OW, includePad ? 1 : 2);
    }

    private static INDArray pool(INDArray x, int kH, int kW, int sH, int sW, int[] pads, int dH, int dW, long OH, long OW, int mode) {
        long N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
        INDArray y = Nd4j.create(DataType.DOUBLE, N, C, OH, OW);
        for (int n = 0; n < N; n++) for (int c = 0; c < C; c++) for (int i = 0; i < OH; i++) for (int j = 0; j < OW; j++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            int inImage = 0, inPadded = 0;
            for (int r = 0; r < kH; r++) for (int s = 0; s < kW; s++) {
                long h = i * sH - pads[0] + r * dH, v = j * sW - pads[1] + s * dW;
                if (h >= -pads[0] && h < H + pads[2] && v >= -pads[1] && v < W + pads[3]) inPadded++;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                inImage++;
                double e = x.getDouble(n, c, h, v);
                max = Math.max(max, e);
                sum += e;
            }
            y.putScalar(new long[] {n, c, i, j}, mode == 0 ? max : sum / (mode == 1 ? inPadded : inImage));
        }
        return y;
    }
}
