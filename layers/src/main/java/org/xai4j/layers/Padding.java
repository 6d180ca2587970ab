package org.xai4j.layers;

/**
 * How a window op pads: the explicit pads of its spec, or TensorFlow/ONNX "same" padding
 * computed from the input size at forward time, so that {@code out = ceil(in / stride)}.
 * SAME_UPPER puts the odd extra pixel at the bottom/right (TensorFlow, ONNX SAME_UPPER),
 * SAME_LOWER at the top/left.
 */
public enum Padding {
    EXPLICIT, SAME_UPPER, SAME_LOWER;

    /**
     * Pads {begin, end} along one axis of size {@code in} for this mode ({@code explicitBegin},
     * {@code explicitEnd} are used as given in EXPLICIT mode).
     */
    public int[] pads(int in, int kernel, int stride, int dilation, int explicitBegin, int explicitEnd) {
        if (this == EXPLICIT) {
            return new int[] {explicitBegin, explicitEnd};
        }
        int out = (in + stride - 1) / stride;
        int effectiveKernel = (kernel - 1) * dilation + 1;
        int total = Math.max(0, (out - 1) * stride + effectiveKernel - in);
        int small = total / 2;
        return this == SAME_UPPER ? new int[] {small, total - small} : new int[] {total - small, small};
    }
}
