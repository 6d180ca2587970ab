package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Constant padding (ONNX Pad, mode "constant"): axis i grows by {@code pads[i]} in front and
 * {@code pads[i + rank]} behind, filled with {@code value}; a negative pad crops. {@code dx} is
 * the part of {@code dy} that came from x (zero where x was cropped away).
 */
public final class Pad implements Layer<Pad.Cache> {

    /** The input shape. */
    public record Cache(long[] xShape) {}

    private final long[] pads;
    private final double value;

    /** Constant pad; pads in ONNX order: [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
    public Pad(long[] pads, double value) {
        if (pads.length % 2 != 0) {
            throw new IllegalArgumentException("Pad needs 2 * rank pads (begins, then ends), got " + Arrays.toString(pads));
        }
        this.pads = pads.clone();
        this.value = value;
    }

    public long[] pads() { return pads.clone(); }
    public double value() { return value; }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        long[] in = x[0].shape();
        long[] out = outputShape(in);
        INDArray y = Nd4j.valueArrayOf(out, value, x[0].dataType());
        y.get(region(out, true)).assign(x[0].get(region(in, false)));
        return Forward.of(y, new Cache(in));
    }

    @Override
    public long[] outputShape(long[]... x) {
        long[] in = x[0];
        int rank = in.length;
        if (pads.length != 2 * rank) {
            throw new IllegalArgumentException("Pad " + Arrays.toString(pads) + " needs " + 2 * rank
                    + " values for an input of rank " + rank + " " + Arrays.toString(in));
        }
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = in[i] + pads[i] + pads[i + rank];
            if (out[i] <= 0) {
                throw new IllegalArgumentException("Pad " + Arrays.toString(pads) + " crops axis " + i + " of "
                        + Arrays.toString(in) + " away entirely");
            }
        }
        return out;
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        long[] in = cache.xShape();
        INDArray inside = dy.get(region(dy.shape(), true));
        if (Arrays.equals(inside.shape(), in)) {
            return Backward.of(inside);
        }
        // Cropped: the cropped-away part of x did not reach y, its gradient is 0.
        INDArray dx = Memory.zeros(dy.dataType(), in);
        dx.get(region(in, false)).assign(inside);
        return Backward.of(dx);
    }

    /**
     * The part of an array (of shape {@code shape}) that x and y share: in y ({@code inOutput})
     * it starts after positive begin pads; in x it starts after cropped (negative) begin pads.
     */
    private INDArrayIndex[] region(long[] shape, boolean inOutput) {
        int rank = shape.length;
        INDArrayIndex[] r = new INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            long begin = inOutput ? pads[i] : -pads[i];
            long end = inOutput ? pads[i + rank] : -pads[i + rank];
            r[i] = NDArrayIndex.interval(Math.max(0, begin), shape[i] - Math.max(0, end));
        }
        return r;
    }

    @Override
    public String describe() {
        return "Pad(" + Arrays.toString(pads) + ", value=" + value + ")";
    }
}
