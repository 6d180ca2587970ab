package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Softmax along one axis: {@code y = exp(x - max x) / sum exp(x - max x)};
 * {@code dx = y * (dy - sum(dy * y))} with both sums along the axis; any shape, negative axis
 * counts from the end (ONNX opset 13). Bridle, 1990.
 */
public final class Softmax implements Layer<Softmax.Cache> {

    /** The output and the resolved axis. */
    public record Cache(INDArray y, int axis) {}

    private final int axis;

    public Softmax(int axis) { this.axis = axis; }
    public int axis() { return axis; }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        int rank = x[0].rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("Softmax axis " + axis + " is out of range for rank " + rank);
        }
        INDArray y = Memory.uninitialized(x[0].dataType(), x[0].shape());
        Nd4j.exec(new SoftMax(x[0], y, a));
        return Forward.of(y, new Cache(y, a));
    }

    @Override
    public long[] outputShape(long[]... x) {
        int rank = x[0].length;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("Softmax axis " + axis + " is out of range for rank " + rank);
        }
        return x[0];
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        if (!need.input(0)) {
            return Backward.of((INDArray) null);
        }
        INDArray y = cache.y();
        INDArray dx = dy.mul(y);
        INDArray s = dx.sum(true, cache.axis());
        // Reuse dx's buffer: dx = (dy - s) * y, with s broadcast along the axis.
        dx.assign(dy).subi(s).muli(y);
        return Backward.of(dx);
    }

    @Override
    public String describe() {
        return "Softmax(axis=" + axis + ")";
    }
}
