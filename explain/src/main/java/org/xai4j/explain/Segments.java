package org.xai4j.explain;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * A segmentation of an {@code H x W} input: {@code index[p]} in {@code 0..M-1} is the segment of
 * pixel {@code p} (C order), {@code ids[k]} the label segment {@code k} had in the map it came from
 * (SLIC's are {@code 0..M-1}), {@code pixels[k]} its size. Segments are numbered in increasing
 * label order.
 */
public record Segments(int H, int W, int[] index, long[] ids, int[] pixels) {

    public int count() {
        return ids.length;
    }

    /** Compact 0-based labels from SLIC. */
    static Segments of(int[] labels, int H, int W) {
        return of(Arrays.stream(labels).asLongStream().toArray(), H, W, "SLIC");
    }

    /** Any labels >= 0, at most {@link Segmentation#MAX_SEGMENTS} distinct ones; one-line errors naming {@code what}. */
    static Segments of(long[] labels, int H, int W, String what) {
        if ((long) H * W != labels.length) {
            throw new IllegalArgumentException(what + ": " + labels.length + " labels for " + H + " x " + W + " pixels");
        }
        TreeMap<Long, Integer> order = new TreeMap<>();
        for (long v : labels) {
            if (v < 0) {
                throw new IllegalArgumentException(what + ": label " + v + " is negative; accepted: integers >= 0, one per pixel");
            }
            if (order.putIfAbsent(v, 0) == null && order.size() > Segmentation.MAX_SEGMENTS) {
                throw new IllegalArgumentException(what + ": more than " + Segmentation.MAX_SEGMENTS
                        + " distinct labels; accepted: at most that many segments (each one is a coefficient to fit)");
            }
        }
        long[] ids = new long[order.size()];
        int k = 0;
        for (Long id : order.keySet()) {
            order.put(id, k);
            ids[k++] = id;
        }
        int[] index = new int[labels.length];
        int[] pixels = new int[ids.length];
        for (int p = 0; p < labels.length; p++) {
            index[p] = order.get(labels[p]);
            pixels[index[p]]++;
        }
        return new Segments(H, W, index, ids, pixels);
    }

    /** Per-pixel values {@code [H*W]} from per-segment ones. */
    double[] paint(double[] values) {
        double[] map = new double[index.length];
        for (int p = 0; p < index.length; p++) {
            map[p] = values[index[p]];
        }
        return map;
    }

    /** Writes into {@code m} the pixels kept by coalition {@code z} (1 where the pixel's segment is on). */
    void mask(boolean[] z, double[] m) {
        for (int p = 0; p < index.length; p++) {
            m[p] = z[index[p]] ? 1 : 0;
        }
    }
}
