package org.xai4j.explain.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a deleted pixel becomes, in the model's input space (after preprocessing): zeros, the
 * image's per-channel mean, or a blurred copy of the image (Gaussian, 11 x 11 taps, sigma 5, as
 * RISE's own insertion code blurs; edges clamp).
 */
public enum Substrate {
    ZEROS, MEAN, BLUR;

    public static Substrate parse(String name) {
        for (Substrate s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--substrate must be zeros, mean or blur, got '" + name + "'");
    }

    /** The substrate image for x [1, C, H, W]. */
    public INDArray of(INDArray x) {
        return switch (this) {
            case ZEROS -> Nd4j.zerosLike(x);
            case MEAN -> Nd4j.zerosLike(x).addi(x.mean(true, 0, 2, 3));
            case BLUR -> blur(x, 11, 5);
        };
    }

    static INDArray blur(INDArray x, int taps, double sigma) {
        double[] k = new double[taps];
        double sum = 0;
        for (int i = 0; i < taps; i++) {
            double d = i - taps / 2;
            k[i] = Math.exp(-d * d / (2 * sigma * sigma));
            sum += k[i];
        }
        for (int i = 0; i < taps; i++) {
            k[i] /= sum;
        }
        int C = (int) x.size(1), H = (int) x.size(2), W = (int) x.size(3);
        double[] in = x.reshape(C * H * W).toDoubleVector();
        double[] rows = new double[in.length];
        double[] out = new double[in.length];
        for (int c = 0; c < C; c++) {
            int o = c * H * W;
            for (int y = 0; y < H; y++) {
                for (int xx = 0; xx < W; xx++) {
                    double s = 0;
                    for (int i = 0; i < taps; i++) {
                        s += k[i] * in[o + y * W + Math.min(W - 1, Math.max(0, xx + i - taps / 2))];
                    }
                    rows[o + y * W + xx] = s;
                }
            }
            for (int y = 0; y < H; y++) {
                for (int xx = 0; xx < W; xx++) {
                    double s = 0;
                    for (int i = 0; i < taps; i++) {
                        s += k[i] * rows[o + Math.min(H - 1, Math.max(0, y + i - taps / 2)) * W + xx];
                    }
                    out[o + y * W + xx] = s;
                }
            }
        }
        return Nd4j.create(out, new long[] {1, C, H, W}).castTo(x.dataType());
    }
}
