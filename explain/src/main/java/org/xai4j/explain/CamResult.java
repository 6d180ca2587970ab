package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A class activation map: {@code raw [N, h, w]} at the layer's resolution (after the method's
 * ReLU, unnormalised; CAM keeps its sign), {@code map [N, H, W]} = bilinear upsampling of
 * ReLU(raw) to the input size, and the channel weights {@code [N, K]} that made it (null for
 * methods that weight every position, HiResCAM and LayerCAM).
 */
public record CamResult(INDArray map, INDArray raw, INDArray weights, String layer, Scores scores) implements Explanation {

    /**
     * The common ending of the channel-weight methods: {@code raw = relu(sum_k w_k A_k)}, upsampled
     * bilinearly to {@code height x width}. {@code A [N, K, h, w]}, {@code weights [N, K]}.
     */
    static CamResult weighted(INDArray A, INDArray weights, int height, int width, String layer, Scores scores) {
        INDArray raw = Transforms.relu(ChannelWeights.weightedSum(A, weights), false);
        return new CamResult(Upsampling.bilinear(raw, height, width), raw, weights, layer, scores);
    }
}
