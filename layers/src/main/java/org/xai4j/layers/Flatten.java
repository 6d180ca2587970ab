package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * ONNX Flatten: {@code [d0, ..., dn] -> [d0 * ... * d(axis-1), d(axis) * ... * dn]} in row-major
 * order; {@code dx} is {@code dy} reshaped back. Axis may be negative (counted from the end);
 * axis 0 gives {@code [1, all]}. Returns a view of the input when it is contiguous.
 */
public final class Flatten implements Layer<Flatten.Cache> {

    /** The input shape, to reshape dy back. */
    public record Cache(long[] xShape) {}

    private final int axis;

    /** ONNX Flatten: [d0..dn] -> [d0*..*d(axis-1), d(axis)*..*dn]. */
    public Flatten(int axis) { this.axis = axis; }
    public int axis() { return axis; }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        long[] s = x[0].shape();
        int a = axis < 0 ? axis + s.length : axis;
        if (a < 0 || a > s.length) {
            throw new IllegalArgumentException("Flatten axis " + axis + " is out of range for rank " + s.length);
        }
        long outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= s[i];
        }
        long inner = x[0].length() / Math.max(outer, 1);
        return Forward.of(x[0].reshape('c', outer, inner), new Cache(s));
    }

    @Override
    public long[] outputShape(long[]... x) {
        long[] s = x[0];
        int a = axis < 0 ? axis + s.length : axis;
        if (a < 0 || a > s.length) {
            throw new IllegalArgumentException("Flatten axis " + axis + " is out of range for rank " + s.length);
        }
        long outer = 1;
        long inner = 1;
        for (int i = 0; i < s.length; i++) {
            if (i < a) {
                outer *= s[i];
            } else {
                inner *= s[i];
            }
        }
        return new long[] {outer, inner};
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        return Backward.of(need.input(0) ? dy.reshape('c', cache.xShape()) : null);
    }

    @Override
    public String describe() {
        return "Flatten(axis=" + axis + ")";
    }
}
