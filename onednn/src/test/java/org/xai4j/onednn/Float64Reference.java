package org.xai4j.onednn;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.layers.Float64;

/** The reference the plan tests hold plans to: a graph's float64 copy, run node by node. */
final class Float64Reference {
    private Float64Reference() {}

    /** Value {@code out} of {@code g}'s float64 copy at {@code x}, computed with no plan (acceleration is on again after). */
    static INDArray run(Graph g, String in, String out, INDArray x) {
        Acceleration.setEnabled(false);
        try {
            return Float64.copyOf(g).run(Map.of(in, x.castTo(DataType.DOUBLE)), List.of(out)).get(out);
        } finally {
            Acceleration.setEnabled(true);
        }
    }
}
