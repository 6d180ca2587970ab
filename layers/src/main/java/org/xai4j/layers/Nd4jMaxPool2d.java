package org.xai4j.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * {@link MaxPool2d} with its forward on ND4J's built-in maxpool2d kernel where that applies
 * (symmetric pads, output size rounded down: no ceil-mode overhang), and the MaxPool2d's own
 * loop elsewhere; backward is always the MaxPool2d's, which finds each window's first maximum
 * again (the tie rule), so both forwards feed it alike. oneDNN is switched off for the call: its
 * max pooling measured several times slower (../shared/ND4J.md).
 */
public final class Nd4jMaxPool2d implements Layer<MaxPool2d.Cache>, Specialized<MaxPool2d> {
    private final MaxPool2d pool;

    /** The layer {@code pool}, whose window this one uses. */
    public Nd4jMaxPool2d(MaxPool2d pool) {
        this.pool = pool;
    }

    @Override
    public MaxPool2d reference() {
        return pool;
    }

    @Override
    public Forward<MaxPool2d.Cache> forward(INDArray... in) {
        INDArray x = in[0];
        PoolGeometry g = PoolGeometry.of(pool.spec(), x.shape());
        if (!applies(g)) {
            return pool.forward(x);
        }
        INDArray y = Memory.uninitialized(x.dataType(), x.size(0), x.size(1), g.OH(), g.OW());
        PoolSpec spec = pool.spec();
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(x);
            context.setOutputArrays(y);
            // kH, kW, sH, sW, pH, pW, dH, dW, same mode (0: pads given), unused, data format (0 = NCHW).
            context.setIArguments(spec.kernelH(), spec.kernelW(), spec.strideH(), spec.strideW(), g.top(), g.left(),
                    spec.dilationH(), spec.dilationW(), 0, 0, 0);
            context.allowHelpers(false);
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder("maxpool2d").build(), context);
        } finally {
            ConvKernels.closeQuietly(context);
        }
        return Forward.of(y, new MaxPool2d.Cache(x, y));
    }

    /** ND4J's kernel pads symmetrically and rounds the output size down. */
    private boolean applies(PoolGeometry g) {
        PoolSpec spec = pool.spec();
        int floorOH = (g.H() + g.top() + g.bottom() - (spec.kernelH() - 1) * spec.dilationH() - 1) / spec.strideH() + 1;
        int floorOW = (g.W() + g.left() + g.right() - (spec.kernelW() - 1) * spec.dilationW() - 1) / spec.strideW() + 1;
        return g.top() == g.bottom() && g.left() == g.right() && floorOH == g.OH() && floorOW == g.OW();
    }

    @Override
    public long[] outputShape(long[]... x) {
        return pool.outputShape(x);
    }

    @Override
    public Backward backward(MaxPool2d.Cache cache, INDArray dy, Need need) {
        return pool.backward(cache, dy, need);
    }

    @Override
    public String describe() {
        return pool.describe();
    }
}
