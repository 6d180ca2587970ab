package org.xai4j.layers;

/**
 * The window of a pooling layer: kernel R x S, stride, pads (top, left, bottom, right),
 * dilation, padding mode and ONNX's {@code ceil_mode}. {@code PoolSpec.of(3).withStride(2)}.
 */
public record PoolSpec(int kernelH, int kernelW, int strideH, int strideW,
                       int padTop, int padLeft, int padBottom, int padRight,
                       int dilationH, int dilationW, Padding padding, boolean ceilMode) {

    public PoolSpec {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("kernel, stride and dilation must be >= 1: " + this);
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("pads must be >= 0: " + this);
        }
    }

    /** A k x k window with stride k (PyTorch's and Keras's default), no padding. */
    public static PoolSpec of(int k) {
        return of(k, k);
    }

    public static PoolSpec of(int kh, int kw) {
        return new PoolSpec(kh, kw, kh, kw, 0, 0, 0, 0, 1, 1, Padding.EXPLICIT, false);
    }

    public PoolSpec withStride(int s) {
        return withStride(s, s);
    }

    public PoolSpec withStride(int sh, int sw) {
        return new PoolSpec(kernelH, kernelW, sh, sw, padTop, padLeft, padBottom, padRight, dilationH, dilationW, padding, ceilMode);
    }

    public PoolSpec withPadding(int p) {
        return withPadding(p, p, p, p);
    }

    public PoolSpec withPadding(int top, int left, int bottom, int right) {
        return new PoolSpec(kernelH, kernelW, strideH, strideW, top, left, bottom, right, dilationH, dilationW, Padding.EXPLICIT, ceilMode);
    }

    public PoolSpec withPadding(Padding mode) {
        return new PoolSpec(kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, mode, ceilMode);
    }

    public PoolSpec withDilation(int dh, int dw) {
        return new PoolSpec(kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dh, dw, padding, ceilMode);
    }

    public PoolSpec withCeilMode(boolean ceil) {
        return new PoolSpec(kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, padding, ceil);
    }
}
