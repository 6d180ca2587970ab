package org.xai4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A rotation about the image centre followed by a shift, applied with bilinear interpolation and
 * zeros outside the image: the augmentation A_l of Augmented Grad-CAM, used both on the input
 * (all channels alike) and, as a linear operator, on the high-resolution map.
 * <pre>
 *   A(u)(i, j) = u(R(-angle) (j - cx - dx, i - cy - dy) + (cx, cy))     centre (cx, cy) = ((W-1)/2, (H-1)/2)
 * </pre>
 * in pixel-centre coordinates (x along the width). {@link #taps} gives the four source pixels and
 * weights of each output pixel, so the input's copies and the operator in the super-resolution
 * are the same interpolation.
 */
record Augmentation(double angle, double dy, double dx) {

    static final Augmentation IDENTITY = new Augmentation(0, 0, 0);

    /**
     * {@code count} augmentations, the first the identity (so that the plain Grad-CAM is one of
     * the low-resolution maps), the others with angle uniform in [-maxAngle, maxAngle] radians and
     * shifts uniform in [-maxShift, maxShift] times the height and width.
     */
    static List<Augmentation> draw(int count, double maxAngle, double maxShift, int H, int W, SplittableRandom rng) {
        List<Augmentation> a = new ArrayList<>(List.of(IDENTITY));
        for (int l = 1; l < count; l++) {
            double angle = maxAngle * (2 * rng.nextDouble() - 1);
            double dy = maxShift * H * (2 * rng.nextDouble() - 1);
            double dx = maxShift * W * (2 * rng.nextDouble() - 1);
            a.add(new Augmentation(angle, dy, dx));
        }
        return a;
    }

    /**
     * For output pixel (i, j) of an H x W image: the source indices {@code index[0..3]} (-1 for a
     * tap outside the image, which reads 0) and weights {@code weight[0..3]}. Returns whether
     * every tap of nonzero weight lies inside the image.
     */
    boolean taps(int i, int j, int H, int W, int[] index, double[] weight) {
        double cy = (H - 1) / 2.0;
        double cx = (W - 1) / 2.0;
        double u = j - cx - dx;
        double v = i - cy - dy;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double sx = cos * u + sin * v + cx;
        double sy = -sin * u + cos * v + cy;
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double fx = sx - x0;
        double fy = sy - y0;
        boolean all = true;
        for (int t = 0; t < 4; t++) {
            int y = y0 + (t >> 1);
            int x = x0 + (t & 1);
            double w = ((t >> 1) == 1 ? fy : 1 - fy) * ((t & 1) == 1 ? fx : 1 - fx);
            boolean inside = y >= 0 && y < H && x >= 0 && x < W;
            all &= inside || w == 0;
            index[t] = inside && w != 0 ? y * W + x : -1;
            weight[t] = inside ? w : 0;
        }
        return all;
    }

    /** This augmentation of every H x W plane of {@code planes} (planes one after another). */
    double[] apply(double[] planes, int H, int W) {
        double[] out = new double[planes.length];
        int[] index = new int[4];
        double[] weight = new double[4];
        for (int i = 0; i < H; i++) {
            for (int j = 0; j < W; j++) {
                taps(i, j, H, W, index, weight);
                for (int off = 0; off < planes.length; off += H * W) {
                    double s = 0;
                    for (int t = 0; t < 4; t++) {
                        s += index[t] < 0 ? 0 : weight[t] * planes[off + index[t]];
                    }
                    out[off + i * W + j] = s;
                }
            }
        }
        return out;
    }
}
