package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A heat map at the input's size, {@code [N, H, W]}, signed and unnormalised (RISE). */
public record HeatMap(INDArray map, Scores scores) implements Explanation {}
