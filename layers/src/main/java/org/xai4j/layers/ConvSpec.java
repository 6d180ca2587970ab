package org.xai4j.layers;

/**
 * Settings of a 2-D convolution besides its weights: stride, pads (top, left, bottom, right),
 * dilation, groups, and the padding mode. Immutable; {@code ConvSpec.DEFAULT.withStride(2)}.
 */
public record ConvSpec(int strideH, int strideW,
                       int padTop, int padLeft, int padBottom, int padRight,
                       int dilationH, int dilationW, int groups, Padding padding) {

    public static final ConvSpec DEFAULT = new ConvSpec(1, 1, 0, 0, 0, 0, 1, 1, 1, Padding.EXPLICIT);

    public ConvSpec {
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || groups < 1) {
            throw new IllegalArgumentException("stride, dilation and groups must be >= 1: " + this);
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("pads must be >= 0: " + this);
        }
    }

    public ConvSpec withStride(int s) {
        return withStride(s, s);
    }

    public ConvSpec withStride(int sh, int sw) {
        return new ConvSpec(sh, sw, padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups, padding);
    }

    public ConvSpec withPadding(int p) {
        return withPadding(p, p, p, p);
    }

    public ConvSpec withPadding(int top, int left, int bottom, int right) {
        return new ConvSpec(strideH, strideW, top, left, bottom, right, dilationH, dilationW, groups, Padding.EXPLICIT);
    }

    public ConvSpec withPadding(Padding mode) {
        return new ConvSpec(strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups, mode);
    }

    public ConvSpec withDilation(int d) {
        return withDilation(d, d);
    }

    public ConvSpec withDilation(int dh, int dw) {
        return new ConvSpec(strideH, strideW, padTop, padLeft, padBottom, padRight, dh, dw, groups, padding);
    }

    public ConvSpec withGroups(int g) {
        return new ConvSpec(strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, g, padding);
    }
}
