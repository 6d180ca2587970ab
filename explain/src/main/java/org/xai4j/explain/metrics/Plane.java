package org.xai4j.explain.metrics;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One map {@code v[y * W + x]}, H rows of W values, read once from an {@code [H, W]} (or
 * {@code [1, H, W]}) array so that every metric loops over plain doubles. A map with a NaN or an
 * infinite value is refused: a metric computed from it would be a confident wrong number.
 */
public record Plane(int H, int W, double[] v) {

    public Plane {
        if (H <= 0 || W <= 0 || v.length != (long) H * W) {
            throw new IllegalArgumentException("a map must have H x W > 0 values, got " + H + " x " + W + " and " + v.length);
        }
    }

    public static Plane of(INDArray map) {
        long[] s = map.shape();
        if (map.rank() == 3 && s[0] == 1) {
            s = new long[] {s[1], s[2]};
        }
        if (s.length != 2) {
            throw new IllegalArgumentException("a map must be [H, W] (or [1, H, W]), got " + Arrays.toString(map.shape()));
        }
        double[] v = map.reshape(s[0] * s[1]).castTo(DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException("the map holds " + v[i] + " at y = " + i / s[1] + ", x = " + i % s[1]
                        + "; only finite values can be judged");
            }
        }
        return new Plane((int) s[0], (int) s[1], v);
    }

    public static Plane of(double[][] rows) {
        int H = rows.length;
        int W = H == 0 ? 0 : rows[0].length;
        double[] v = new double[H * W];
        for (int y = 0; y < H; y++) {
            if (rows[y].length != W) {
                throw new IllegalArgumentException("row " + y + " has " + rows[y].length + " values, row 0 has " + W);
            }
            System.arraycopy(rows[y], 0, v, y * W, W);
        }
        return new Plane(H, W, v);
    }

    /** A mask as a map of ones and zeros. */
    public static Plane of(boolean[][] mask) {
        double[][] rows = new double[mask.length][];
        for (int y = 0; y < mask.length; y++) {
            rows[y] = new double[mask[y].length];
            for (int x = 0; x < mask[y].length; x++) {
                rows[y][x] = mask[y][x] ? 1 : 0;
            }
        }
        return of(rows);
    }

    /** The map as an {@code [H, W]} double array, for pictures and resampling. */
    public INDArray array() {
        return org.nd4j.linalg.factory.Nd4j.create(v, new long[] {H, W});
    }

    public double at(int y, int x) {
        return v[y * W + x];
    }

    public double max() {
        return Arrays.stream(v).max().orElseThrow();
    }

    void requireSize(int h, int w, String what) {
        if (h != H || w != W) {
            throw new IllegalArgumentException(what + " is " + h + " x " + w + " but the map is " + H + " x " + W);
        }
    }
}
