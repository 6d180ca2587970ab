package org.xai4j.layers;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Need;

/**
 * Fully connected layer: {@code y = x W^T + b}; x [N, C], W [K, C], b [K], y [N, K].
 * Backward: {@code dx = dy W}, {@code dW = dy^T x}, {@code db = sum_N dy}, each one GEMM or sum.
 * {@link SparseSeedLinear} is the faster form for an explanation's seed.
 */
public final class Linear implements Layer<Linear.Cache> {

    /** The input, for the weight gradient. */
    public record Cache(INDArray x) {}

    private final INDArray weight;
    private final INDArray bias;

    /** y = x W^T + b; weight [K, C], bias [K] or null; x [N, C]. */
    public Linear(INDArray weight, INDArray bias) {
        if (weight == null || weight.rank() != 2) {
            throw new IllegalArgumentException("Linear weight must be [K, C], got "
                    + (weight == null ? "null" : Arrays.toString(weight.shape())));
        }
        if (bias != null && (bias.length() != weight.size(0) || bias.rank() != 1)) {
            throw new IllegalArgumentException("Linear bias must be [" + weight.size(0) + "], got " + Arrays.toString(bias.shape()));
        }
        this.weight = weight;
        this.bias = bias;
    }

    public INDArray weight() { return weight; }
    public INDArray bias() { return bias; }

    @Override
    public Forward<Cache> forward(INDArray... x) {
        INDArray in = x[0];
        if (in.rank() != 2 || in.size(1) != weight.size(1)) {
            throw new IllegalArgumentException("Linear with weight " + Arrays.toString(weight.shape())
                    + " expects input [N, " + weight.size(1) + "], got " + Arrays.toString(in.shape()));
        }
        INDArray y = Memory.uninitialized(in.dataType(), in.size(0), weight.size(0));
        Nd4j.gemm(in, weight, y, false, true, 1.0, 0.0);
        if (bias != null) {
            y.addiRowVector(bias);
        }
        return Forward.of(y, new Cache(in));
    }

    @Override
    public long[] outputShape(long[]... x) {
        if (x[0].length != 2 || x[0][1] != weight.size(1)) {
            throw new IllegalArgumentException("Linear with weight " + Arrays.toString(weight.shape())
                    + " expects input [N, " + weight.size(1) + "], got " + Arrays.toString(x[0]));
        }
        return new long[] {x[0][0], weight.size(0)};
    }

    @Override
    public Backward backward(Cache cache, INDArray dy, Need need) {
        INDArray dx = null;
        if (need.input(0)) {
            dx = Memory.uninitialized(dy.dataType(), dy.size(0), weight.size(1));
            Nd4j.gemm(dy, weight, dx, false, false, 1.0, 0.0);
        }
        Map<String, INDArray> dParameters = new HashMap<>();
        if (need.parameters()) {
            INDArray dW = Memory.uninitialized(dy.dataType(), weight.shape());
            Nd4j.gemm(dy, cache.x(), dW, true, false, 1.0, 0.0);
            dParameters.put("weight", dW);
            if (bias != null) {
                dParameters.put("bias", dy.sum(0));
            }
        }
        return Backward.of(new INDArray[] {dx}, dParameters);
    }

    @Override
    public Map<String, INDArray> parameters() {
        return bias == null ? Map.of("weight", weight) : Map.of("weight", weight, "bias", bias);
    }

    @Override
    public String describe() {
        return "Linear(" + weight.size(1) + " -> " + weight.size(0) + (bias == null ? ", no bias" : "") + ")";
    }
}
