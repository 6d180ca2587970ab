package org.xai4j.explain.inside;

import java.util.SplittableRandom;

/**
 * One random similarity transform of an image, jitter (a shift), scale and rotation about the
 * centre, sampled bilinearly, and its adjoint for the gradient: Lucent's transformation
 * robustness (Olah et al. 2017), which keeps gradient ascent from hiding the pattern in
 * high-frequency noise that only one exact alignment of pixels excites. Pixels sampled from
 * outside the image read {@code fill} (Lucent pads with mid-grey).
 */
final class RandomWarp {
    private final int H;
    private final int W;
    private final double dy;
    private final double dx;
    private final double cos;
    private final double sin;
    private final double inverseScale;

    /** A shift of up to {@code jitter} pixels each way, a scale in [1 - scale, 1 + scale], a rotation within +-{@code degrees}. */
    static RandomWarp draw(SplittableRandom rng, int H, int W, int jitter, double scale, double degrees) {
        double dy = jitter == 0 ? 0 : rng.nextInt(-jitter, jitter + 1);
        double dx = jitter == 0 ? 0 : rng.nextInt(-jitter, jitter + 1);
        double s = scale == 0 ? 1 : 1 + scale * (2 * rng.nextDouble() - 1);
        double a = degrees == 0 ? 0 : Math.toRadians(degrees * (2 * rng.nextDouble() - 1));
        return new RandomWarp(H, W, dy, dx, s, a);
    }

    RandomWarp(int H, int W, double dy, double dx, double scale, double radians) {
        this.H = H;
        this.W = W;
        this.dy = dy;
        this.dx = dx;
        this.cos = Math.cos(radians);
        this.sin = Math.sin(radians);
        this.inverseScale = 1 / scale;
    }

    boolean isIdentity() {
        return dy == 0 && dx == 0 && sin == 0 && inverseScale == 1;
    }

    /** out = warp(in), both [C * H * W]. */
    void apply(double[] in, double[] out, int C, double fill) {
        walk(C, (c, o, i, w) -> out[c * H * W + o] += w * (i < 0 ? fill : in[c * H * W + i]), out);
    }

    /** din += warp^T(dout). */
    void adjoint(double[] dout, double[] din, int C) {
        walk(C, (c, o, i, w) -> {
            if (i >= 0) {
                din[c * H * W + i] += w * dout[c * H * W + o];
            }
        }, null);
    }

    private interface Tap {
        void at(int c, int o, int i, double w);
    }

    /** For every output pixel o, its four bilinear taps i (or -1 outside) and weights. */
    private void walk(int C, Tap tap, double[] clear) {
        if (clear != null) {
            java.util.Arrays.fill(clear, 0);
        }
        double cy = (H - 1) / 2.0;
        double cx = (W - 1) / 2.0;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                // Where output (y, x) comes from: undo the shift, then the rotation and scale about the centre.
                double v = y - dy - cy;
                double u = x - dx - cx;
                double sy = (cos * v - sin * u) * inverseScale + cy;
                double sx = (sin * v + cos * u) * inverseScale + cx;
                int y0 = (int) Math.floor(sy);
                int x0 = (int) Math.floor(sx);
                double fy = sy - y0;
                double fx = sx - x0;
                int o = y * W + x;
                for (int c = 0; c < C; c++) {
                    tap.at(c, o, index(y0, x0), (1 - fy) * (1 - fx));
                    tap.at(c, o, index(y0, x0 + 1), (1 - fy) * fx);
                    tap.at(c, o, index(y0 + 1, x0), fy * (1 - fx));
                    tap.at(c, o, index(y0 + 1, x0 + 1), fy * fx);
                }
            }
        }
    }

    private int index(int y, int x) {
        return y < 0 || y >= H || x < 0 || x >= W ? -1 : y * W + x;
    }
}
