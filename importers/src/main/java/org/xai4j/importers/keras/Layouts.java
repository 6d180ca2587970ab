package org.xai4j.importers.keras;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every conversion between Keras's channels-last layouts and the graph's channels-first ones,
 * in one place.
 *
 * <pre>
 *   value             Keras (TensorFlow)            graph
 *   image activation  [N, H, W, C]                  [N, C, H, W]
 *   flattened image   [N, H*W*C], index (h, w, c)   [N, C*H*W], index (c, h, w)
 *   Conv2D kernel     [R, S, C/groups, K]  HWIO     [K, C/groups, R, S]  OIHW
 *   Depthwise kernel  [R, S, C, M]                  [C*M, 1, R, S], groups C; output channel c*M + m
 *   Dense kernel      [C, K]  (y = x W)             [K, C]  (y = x W^T)
 *   Dense after a Flatten of [H, W, C]: kernel rows in (h, w, c) order are moved to (c, h, w) order
 *   axis of an image  -1 or 3 (C), 1 (H), 2 (W)     1 (C), 2 (H), 3 (W)
 *   ZeroPadding2D     ((top, bottom), (left, right)) ONNX pads [0, 0, top, left, 0, 0, bottom, right]
 * </pre>
 *
 * Shapes handled by the importer are Keras shapes without the batch axis ({@code [H, W, C]} for
 * an image, {@code -1} where Keras has {@code None}); {@link #graphShape} turns one into the
 * shape of the graph's value.
 */
final class Layouts {
    private Layouts() {}

    /** Conv2D kernel HWIO [R, S, C/groups, K] -> OIHW [K, C/groups, R, S]. */
    static INDArray convKernel(INDArray hwio) {
        return hwio.permute(3, 2, 0, 1).dup('c');
    }

    /**
     * DepthwiseConv2D kernel [R, S, C, M] -> [C*M, 1, R, S] for a convolution with {@code groups = C}.
     * TensorFlow numbers the output channels {@code c*M + m}, which is the row-major order of [C, M].
     */
    static INDArray depthwiseKernel(INDArray rscm) {
        long r = rscm.size(0), s = rscm.size(1), c = rscm.size(2), m = rscm.size(3);
        return rscm.permute(2, 3, 0, 1).dup('c').reshape('c', c * m, 1, r, s);
    }

    /** Dense kernel [C, K] -> Linear weight [K, C]. */
    static INDArray denseKernel(INDArray ck) {
        return ck.transpose().dup('c');
    }

    /**
     * Dense kernel [H*W*C, K] whose input is a flattened [H, W, C] image that the graph holds in
     * (c, h, w) order -> Linear weight [K, C*H*W], rows moved so that {@code x W^T} sees the same
     * pairs of input element and weight as Keras does.
     */
    static INDArray denseKernelAfterFlatten(INDArray hwcK, long[] hwc) {
        long h = hwc[0], w = hwc[1], c = hwc[2], k = hwcK.size(1);
        INDArray chwK = hwcK.reshape('c', h, w, c, k).permute(2, 0, 1, 3).dup('c').reshape('c', c * h * w, k);
        return chwK.transpose().dup('c');
    }

    /** A Keras axis of a value of rank {@code rank} (batch included) -> the graph's axis. */
    static int axis(int kerasAxis, int rank) {
        int a = kerasAxis < 0 ? kerasAxis + rank : kerasAxis;
        if (rank != 4 || a == 0) {
            return a;
        }
        return a == 3 ? 1 : a + 1;
    }

    /** Keras shape without the batch axis -> graph shape with the batch axis as {@code batch}. */
    static long[] graphShape(long[] keras, long batch) {
        long[] g = new long[keras.length + 1];
        g[0] = batch;
        if (keras.length == 3) {
            g[1] = keras[2];
            g[2] = keras[0];
            g[3] = keras[1];
        } else {
            System.arraycopy(keras, 0, g, 1, keras.length);
        }
        return g;
    }

    /** ZeroPadding2D's ((top, bottom), (left, right)) -> ONNX pads of an NCHW tensor. */
    static long[] zeroPadding(int top, int bottom, int left, int right) {
        return new long[] {0, 0, top, left, 0, 0, bottom, right};
    }
}
