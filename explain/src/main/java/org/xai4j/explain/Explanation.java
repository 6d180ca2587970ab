package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

/** What every explainer returns: a map whose first axis is the batch row, and what it explains. */
public interface Explanation {

    /** The attribution ({@code [N, C, H, W]}, like the input) or heat map ({@code [N, H, W]}). */
    INDArray map();

    /** The class and score explained in each row. */
    Scores scores();
}
