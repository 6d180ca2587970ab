package org.xai4j.layers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * A node without inputs whose output is a fixed array: {@code y = value}, {@code dvalue = dy}.
 * The value is reported as a parameter, so the engine pins it and never frees it.
 */
public final class Constant implements Layer<Void> {
    private final INDArray value;

    /** A node with no inputs whose output is value. */
    public Constant(INDArray value) {
        if (value == null) {
            throw new IllegalArgumentException("Constant needs a value");
        }
        this.value = value;
    }

    public INDArray value() { return value; }

    @Override
    public Forward<Void> forward(INDArray... x) {
        if (x.length != 0) {
            throw new IllegalArgumentException("Constant takes no inputs, got " + x.length);
        }
        return Forward.of(value, null);
    }

    @Override
    public long[] outputShape(long[]... x) {
        return value.shape();
    }

    @Override
    public Backward backward(Void cache, INDArray dy, Need need) {
        // A copy: dy may be another value's gradient, and parameter gradients belong to the caller.
        return Backward.of(new INDArray[0], need.parameters() ? Map.of("value", dy.dup()) : Map.of());
    }

    @Override
    public Map<String, INDArray> parameters() {
        return Map.of("value", value);
    }

    @Override
    public String describe() {
        return "Constant" + java.util.Arrays.toString(value.shape());
    }
}
