package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A class activation map: {@code raw [N, h, w]} at the layer's resolution (after the method's
 * ReLU, unnormalised; CAM keeps its sign), {@code map [N, H, W]} = bilinear upsampling of
 * ReLU(raw) to the input size, and the channel weights {@code [N, K]} that made it (null for
 * methods that weight every position, HiResCAM and LayerCAM).
 */
public record CamResult(INDArray map, INDArray raw, INDArray weights, String layer, Scores scores) implements Explanation {}
