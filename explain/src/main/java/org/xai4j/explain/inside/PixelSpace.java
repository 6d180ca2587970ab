package org.xai4j.explain.inside;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Flat;

/**
 * A model's preprocessing as the affine map it is, {@code x_c = sum_k A[c][k] p_k + b_c} from
 * RGB pixels p in 0..255 to model input x, read off the preprocessing itself (applied to black
 * and to one pure channel at a time), so any per-channel scale, shift or channel order works.
 * Activation maximization optimises pixels through it and inverts nothing numerically: the
 * result is pixels, which {@code predict} reads back through the same preprocessing.
 */
public record PixelSpace(double[][] A, double[] b) {

    /** The affine map of {@code preprocess} ([N, 3, H, W] RGB 0..255 in, model input out); refuses a map that is not affine. */
    public static PixelSpace of(UnaryOperator<INDArray> preprocess) {
        double[] b = pixel(preprocess, new double[3]);
        double[][] A = new double[3][3];
        for (int k = 0; k < 3; k++) {
            double[] p = new double[3];
            p[k] = 255;
            double[] y = pixel(preprocess, p);
            for (int c = 0; c < 3; c++) {
                A[c][k] = (y[c] - b[c]) / 255;
            }
        }
        double[] mid = pixel(preprocess, new double[] {100, 150, 200});
        for (int c = 0; c < 3; c++) {
            double expected = b[c] + 100 * A[c][0] + 150 * A[c][1] + 200 * A[c][2];
            // float32 preprocessing of values near 255: a few ulps of 255.
            if (Math.abs(mid[c] - expected) > 1e-4 * (1 + Math.abs(expected))) {
                throw new IllegalArgumentException("the preprocessing is not affine per pixel; activation maximization needs one that is");
            }
        }
        return new PixelSpace(A, b);
    }

    private static double[] pixel(UnaryOperator<INDArray> preprocess, double[] rgb) {
        INDArray x = preprocess.apply(Nd4j.create(rgb, new long[] {1, 3, 1, 1}, DataType.FLOAT));
        return Flat.read(x);
    }

    /** Model input from pixels, both [3 * H * W] planes (channel-major). */
    public void apply(double[] p, double[] x, int hw) {
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < hw; i++) {
                x[c * hw + i] = b[c] + A[c][0] * p[i] + A[c][1] * p[hw + i] + A[c][2] * p[2 * hw + i];
            }
        }
    }

    /** {@code dp += A^T dx}: a gradient at the model input carried to the pixels. */
    public void adjoint(double[] dx, double[] dp, int hw) {
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < hw; i++) {
                dp[k * hw + i] += A[0][k] * dx[i] + A[1][k] * dx[hw + i] + A[2][k] * dx[2 * hw + i];
            }
        }
    }
}
