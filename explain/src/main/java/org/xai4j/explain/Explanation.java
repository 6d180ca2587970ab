package org.xai4j.explain;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What every explainer returns: a map whose first axis is the batch row, and what it explains. */
public interface Explanation {

    /** The attribution ({@code [N, C, H, W]}, like the input) or heat map ({@code [N, H, W]}). */
    INDArray map();

    /** The class and score explained in each row. */
    Scores scores();

    /**
     * Arrays of row {@code row} that belong beside the map, by name: occlusion's {@code grid},
     * the {@code segments} of LIME and KernelSHAP. Front ends write them as
     * {@code <method>_<name>.npy}. None by default.
     */
    default Map<String, INDArray> arrays(int row) {
        return Map.of();
    }

    /** Numbers of row {@code row} for the record, by name (the per-segment values). None by default. */
    default Map<String, Object> values(int row) {
        return Map.of();
    }
}
