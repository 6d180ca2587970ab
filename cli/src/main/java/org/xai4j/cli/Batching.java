package org.xai4j.cli;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.explain.Head;

/**
 * Batches for models whose file fixes the batch size at 1. Most ONNX exports do (torch writes a
 * static {@code [1, 3, H, W]} unless told otherwise), yet integrated gradients and the SmoothGrad
 * family run many inputs per pass. Their layers rarely care: a copy of the graph with the batch
 * axis free is tried on {@code [x; x]} and kept only if both rows give the logits of {@code x}
 * alone (a reshape to a literal {@code [1, ...]} fails that test, loudly or not).
 */
final class Batching {
    // Two rows of a batched pass may round differently from one row (other kernels); 1e-4 of the
    // largest logit is far above that rounding and far below the effect of mixing rows.
    private static final double RELATIVE = 1e-4;

    private Batching() {}

    /** {@code graph} itself if its batch is free, else a copy whose batch is free if that works, else null. */
    static Graph withFreeBatch(Graph graph, INDArray x, INDArray z) {
        Graph.Input in = graph.inputs().get(0);
        long[] shape = in.shape();
        if (shape == null || shape.length == 0 || shape[0] < 0) {
            return graph;
        }
        long[] free = shape.clone();
        free[0] = -1;
        Graph copy = new Graph(List.of(new Graph.Input(in.name(), free)), graph.nodes(), graph.outputs(), graph.aliases());
        try {
            INDArray z2 = Head.of(copy).at(copy, Nd4j.concat(0, x, x));
            INDArray single = z.reshape(1, z.length());
            INDArray rows = z2.reshape(2, z.length());
            double scale = single.amaxNumber().doubleValue();
            double diff = Math.max(rows.getRow(0).sub(single.getRow(0)).amaxNumber().doubleValue(),
                    rows.getRow(1).sub(single.getRow(0)).amaxNumber().doubleValue());
            return diff <= RELATIVE * scale + 1e-6 ? copy : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
