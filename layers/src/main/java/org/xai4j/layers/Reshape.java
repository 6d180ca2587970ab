package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * ONNX Reshape in row-major order: a 0 in {@code shape} copies the input's dimension at that
 * position, a single -1 is inferred from the element count; {@code dx} is {@code dy} reshaped
 * back. Returns a view of the input when it is contiguous.
 */
public final class Reshape implements Layer<Reshape.Cache> {

    /** The input shape, to reshape dy back. */
    public record Cache(long[] xShape) {}

    private final long[] shape;

    /** ONNX semantics: 0 copies the input dimension, -1 is inferred. */
    public Reshape(long[] shape) {
        int inferred = 0;
        for (long d : shape) {
            if (d < -1) {
                throw new IllegalArgumentException("Reshape dimensions must be >= -1, got " + Arrays.toString(shape));
            }
            inferred += d == -1 ? 1 : 0;
        }
        if (inferred > 1) {
            throw new IllegalArgumentException("Reshape allows at most one -1, got " + Arrays.toString(shape));
        }
        this.shape = shape.clone();
    }

    public long[] shape() { return shape.clone(); }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        long[] in = x[0].shape();
        return Forward.of(x[0].reshape('c', outputShape(in, x[0].length())), new Cache(in));
    }

    @Override
    public long[] outputShape(long[]... x) {
        long length = 1;
        for (long d : x[0]) {
            length *= d;
        }
        return outputShape(x[0], length);
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        return Backward.of(need.input(0) ? dy.reshape('c', cache.xShape()) : null);
    }

    /** The target shape for an input of shape {@code in} with {@code length} elements. */
    long[] outputShape(long[] in, long length) {
        long[] out = shape.clone();
        long known = 1;
        int free = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                if (i >= in.length) {
                    throw new IllegalArgumentException("Reshape " + Arrays.toString(shape) + ": a 0 at position " + i
                            + " copies a dimension the input " + Arrays.toString(in) + " does not have");
                }
                out[i] = in[i];
            }
            if (out[i] == -1) {
                free = i;
            } else {
                known *= out[i];
            }
        }
        if (free >= 0 && known != 0 && length % known == 0) {
            out[free] = length / known;
            known *= out[free];
        }
        if (known != length || (free >= 0 && out[free] < 0)) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(shape));
        }
        return out;
    }

    @Override
    public String describe() {
        return "Reshape" + Arrays.toString(shape);
    }
}
