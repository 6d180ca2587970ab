package org.xai4j.importers.keras;

import java.util.Arrays;

/**
 * A value of the graph seen from Keras: its graph name and its Keras shape without the batch axis
 * ({@code -1} where Keras has {@code None}). A Keras shape of rank 3 is an image [H, W, C] held
 * by the graph as [N, C, H, W]; other ranks are held in Keras order, except a flattened image:
 * {@code flattenedFrom} = [H, W, C] says the graph holds its H*W*C elements in (c, h, w) order
 * instead of Keras's (h, w, c) order, which only a Dense layer (by moving its kernel rows) or an
 * order-blind layer may consume (see {@link Layouts}).
 */
record Value(String name, long[] shape, long[] flattenedFrom) {

    static Value of(String name, long... shape) {
        return new Value(name, shape, null);
    }

    int rank() {
        return shape.length;
    }

    boolean isImage() {
        return shape.length == 3;
    }

    /** Elements per example, or -1 when a dimension is unknown. */
    long size() {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    String describe() {
        return Arrays.toString(shape).replace("-1", "None");
    }
}
