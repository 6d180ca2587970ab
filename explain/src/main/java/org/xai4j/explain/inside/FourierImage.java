package org.xai4j.explain.inside;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An image parameterised by its Fourier spectrum scaled by {@code 1 / max(f, 1 / max(H, W))}
 * (f in cycles per pixel): Lucent's {@code fft_image} (Olah et al. 2017, "Feature
 * Visualization", section "Preconditioning and parameterization"). Gradient steps on the
 * spectrum are steps in a space where natural images' 1/f falloff is whitened, so low
 * frequencies move as fast as high ones and the result is not high-frequency noise.
 *
 * <p>Per channel, with A + iB the spectrum and S the scale,
 * <pre>t = Re( F_H^* (S (A + iB)) F_W^* ) / (4 sqrt(HW))</pre>
 * the orthonormal inverse DFT divided by Lucent's "magic" 4, written as real matrix products with
 * C = cos and S = sin of {@code 2 pi k n / N}: {@code t = C_H X - S_H Y}, {@code X = P C_W - Q S_W},
 * {@code Y = P S_W + Q C_W}, P = S A, Q = S B. The full complex spectrum is a parameterisation
 * of twice the size of the real one (irfft2); its real part spans the same images.
 */
final class FourierImage {
    private final int H;
    private final int W;
    private final INDArray cosH;
    private final INDArray sinH;
    private final INDArray cosW;
    private final INDArray sinW;
    private final double[] scale;
    private final double k;

    FourierImage(int H, int W) {
        this.H = H;
        this.W = W;
        cosH = trig(H, true);
        sinH = trig(H, false);
        cosW = trig(W, true);
        sinW = trig(W, false);
        scale = new double[H * W];
        double floor = 1.0 / Math.max(H, W);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double fy = frequency(y, H);
                double fx = frequency(x, W);
                scale[y * W + x] = 1 / Math.max(Math.sqrt(fy * fy + fx * fx), floor);
            }
        }
        k = 1 / (4 * Math.sqrt((double) H * W));
    }

    /** numpy's fftfreq: k / N for k < N / 2, else (k - N) / N. */
    private static double frequency(int k, int n) {
        return (k < (n + 1) / 2 ? k : k - n) / (double) n;
    }

    private static INDArray trig(int n, boolean cos) {
        double[] v = new double[n * n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double t = 2 * Math.PI * ((long) a * b % n) / n;
                v[a * n + b] = cos ? Math.cos(t) : Math.sin(t);
            }
        }
        return Nd4j.create(v, new long[] {n, n}, DataType.DOUBLE);
    }

    /** Parameters for {@code planes} planes: A then B per plane, N(0, sd^2) as Lucent starts (sd 0.01). */
    double[] initial(int planes, SplittableRandom rng, double sd) {
        double[] p = new double[planes * 2 * H * W];
        for (int i = 0; i < p.length; i++) {
            p[i] = sd * gaussian(rng);
        }
        return p;
    }

    static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    /** The images [planes * H * W] of the parameters. */
    double[] image(double[] params, int planes) {
        double[] t = new double[planes * H * W];
        int hw = H * W;
        for (int c = 0; c < planes; c++) {
            INDArray P = scaled(params, (2 * c) * hw);
            INDArray Q = scaled(params, (2 * c + 1) * hw);
            INDArray X = P.mmul(cosW).subi(Q.mmul(sinW));
            INDArray Y = P.mmul(sinW).addi(Q.mmul(cosW));
            double[] v = cosH.mmul(X).subi(sinH.mmul(Y)).muli(k).data().asDouble();
            System.arraycopy(v, 0, t, c * hw, hw);
        }
        return t;
    }

    /** d(params) from d(image), the adjoint of {@link #image}. */
    double[] adjoint(double[] dt, int planes) {
        int hw = H * W;
        double[] d = new double[planes * 2 * hw];
        for (int c = 0; c < planes; c++) {
            double[] g = new double[hw];
            System.arraycopy(dt, c * hw, g, 0, hw);
            INDArray G = Nd4j.create(g, new long[] {H, W}, DataType.DOUBLE);
            // The trig matrices are symmetric, so each transpose is the matrix itself.
            INDArray dX = cosH.mmul(G);
            INDArray dY = sinH.mmul(G).negi();
            double[] dP = dX.mmul(cosW).addi(dY.mmul(sinW)).data().asDouble();
            double[] dQ = dY.mmul(cosW).subi(dX.mmul(sinW)).data().asDouble();
            for (int i = 0; i < hw; i++) {
                d[2 * c * hw + i] = k * scale[i] * dP[i];
                d[(2 * c + 1) * hw + i] = k * scale[i] * dQ[i];
            }
        }
        return d;
    }

    private INDArray scaled(double[] params, int from) {
        double[] v = new double[H * W];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale[i] * params[from + i];
        }
        return Nd4j.create(v, new long[] {H, W}, DataType.DOUBLE);
    }
}
