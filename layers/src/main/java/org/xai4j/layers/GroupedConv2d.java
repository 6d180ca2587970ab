package org.xai4j.layers;

import static org.xai4j.layers.ConvKernels.channels;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * A grouped convolution (1 < G, C/G > 1 input channels per group; ResNeXt-style) as G
 * independent groups = 1 convolutions: group g maps input channels [g C/G, (g+1) C/G) to output
 * channels [g K/G, (g+1) K/G) with weight rows [g K/G, (g+1) K/G). Its {@link Conv2d} computes
 * the same with a block-diagonal weight, G times the work. Krizhevsky et al. 2012.
 */
public final class GroupedConv2d implements Layer<Conv2d.Cache>, Specialized<Conv2d> {
    private final Conv2d conv;

    /** The grouped convolution {@code conv} (see {@link #applies}), whose weights this layer reads. */
    public GroupedConv2d(Conv2d conv) {
        if (!applies(conv)) {
            throw new IllegalArgumentException("GroupedConv2d needs groups > 1 and more than one input channel per group, got "
                    + conv.describe());
        }
        this.conv = conv;
    }

    /** Groups above 1, not depthwise (that is {@link DepthwiseConv2d}). */
    public static boolean applies(Conv2d c) {
        return c.spec().groups() > 1 && c.weight().size(1) > 1;
    }

    @Override
    public Conv2d reference() {
        return conv;
    }

    @Override
    public Forward<Conv2d.Cache> forward(INDArray... in) {
        INDArray x = in[0];
        long[] yShape = conv.outputShape(new long[][] {x.shape()});
        INDArray y = Memory.uninitialized(x.dataType(), yShape);
        long Cg = conv.weight().size(1);
        long Kg = yShape[1] / conv.spec().groups();
        for (int g = 0; g < conv.spec().groups(); g++) {
            INDArray yg = group(g).forward(channels(x, g, Cg)).y();
            y.get(NDArrayIndex.all(), NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).assign(yg);
        }
        return Forward.of(y, new Conv2d.Cache(x, conv.plan((int) x.size(2), (int) x.size(3))));
    }

    @Override
    public long[] outputShape(long[]... x) {
        return conv.outputShape(x);
    }

    /** One group's columns at a time: a G-th of the block-diagonal convolution's. */
    @Override
    public long scratchValues(long[]... x) {
        return conv.scratchValues(x) / conv.spec().groups();
    }

    @Override
    public Backward backward(Conv2d.Cache cache, INDArray dy, Need need) {
        INDArray x = cache.x();
        INDArray w = conv.weight();
        long Cg = w.size(1);
        long Kg = w.size(0) / conv.spec().groups();
        INDArray dx = need.input(0) ? Memory.uninitialized(x.dataType(), x.shape()) : null;
        INDArray dW = need.parameters() ? Memory.uninitialized(x.dataType(), w.shape()) : null;
        for (int g = 0; g < conv.spec().groups(); g++) {
            Backward b = group(g).backward(new Conv2d.Cache(channels(x, g, Cg), cache.plan()), channels(dy, g, Kg), need);
            if (dx != null) {
                dx.get(NDArrayIndex.all(), NDArrayIndex.interval(g * Cg, (g + 1) * Cg)).assign(b.dx()[0]);
            }
            if (dW != null) {
                dW.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).assign(b.dParameters().get("weight"));
            }
        }
        return dW == null ? Backward.of(dx) : Backward.of(new INDArray[] {dx}, conv.parameterGradients(dW, dy));
    }

    /**
     * The groups = 1 convolution of group g: its K/G weight rows and bias entries (copied per
     * call, not cached: the layer holds no state), as a {@link PointwiseConv2d} where it is 1x1.
     */
    private Layer<Conv2d.Cache> group(int g) {
        INDArray weight = conv.weight();
        INDArray bias = conv.bias();
        long Kg = weight.size(0) / conv.spec().groups();
        INDArray rows = weight.get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).dup('c');
        INDArray b = bias == null ? null : bias.reshape(bias.length()).get(NDArrayIndex.interval(g * Kg, (g + 1) * Kg)).dup();
        Conv2d c = new Conv2d(rows, b, conv.spec().withGroups(1));
        return PointwiseConv2d.applies(c) ? new PointwiseConv2d(c) : c;
    }

    @Override
    public Map<String, INDArray> parameters() {
        return conv.parameters();
    }

    @Override
    public String describe() {
        return conv.describe();
    }
}
