package org.xai4j.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Elementwise sum of one or more inputs with NumPy broadcasting: {@code y = x0 + x1 + ...};
 * {@code dx_i = dy} summed over the axes along which {@code x_i} was broadcast. The residual
 * connection of He et al., CVPR 2016. Where no broadcasting happened, {@code dx_i} is {@code dy}
 * itself (the engine, not this layer, sums fan-out).
 */
public final class Add implements Layer<Add.Cache> {

    /** The input shapes, to reduce dy onto each. */
    public record Cache(long[][] xShapes) {}

    /** Sum of two or more inputs with NumPy broadcasting. */
    public Add() {}

    @Override
    public Forward<Cache> forward(INDArray... x) {
        if (x.length == 0) {
            throw new IllegalArgumentException("Add needs at least one input");
        }
        long[][] shapes = new long[x.length][];
        for (int i = 0; i < x.length; i++) {
            shapes[i] = x[i].shape();
        }
        long[] out = Broadcast.shape(shapes);
        INDArray y;
        if (x.length == 1) {
            y = x[0];
        } else if (Arrays.equals(shapes[0], out) && Arrays.equals(shapes[1], out)) {
            // The residual add of every ResNet block: into a pooled buffer (see Memory).
            y = Memory.uninitialized(x[0].dataType(), out);
            Nd4j.exec(new AddOp(x[0], x[1], y));
        } else {
            y = x[0].add(x[1]);
        }
        for (int i = 2; i < x.length; i++) {
            // In place once the running sum has the final shape; a smaller sum must grow first.
            y = Arrays.equals(y.shape(), out) ? y.addi(x[i]) : y.add(x[i]);
        }
        return Forward.of(y, new Cache(shapes));
    }

    @Override
    public long[] outputShape(long[]... x) {
        return Broadcast.shape(x);
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        long[][] shapes = cache.xShapes();
        INDArray[] dx = new INDArray[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            dx[i] = need.input(i) ? Broadcast.reduceTo(dy, shapes[i]) : null;
        }
        return Backward.of(dx);
    }
}
