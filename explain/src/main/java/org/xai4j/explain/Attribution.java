package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

/** An input-shaped attribution {@code [N, C, H, W]} (raw: no channel aggregation, no scaling). */
public record Attribution(INDArray map, Scores scores) implements Explanation {}
