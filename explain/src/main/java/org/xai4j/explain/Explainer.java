package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * An explanation method: maps a graph, an input batch {@code x [N, ...]} and a {@link Target} to
 * an {@link Explanation} per row. Implementations are immutable; their settings are constructor
 * arguments with the same names everywhere ({@code layer}, {@code steps}, {@code baseline},
 * {@code rule}, {@code samples}, {@code sigma}, {@code seed}, {@code batchSize}).
 *
 * <p>Methods that install backward hooks (guided backpropagation, deconvnet) do so on the graph
 * for the duration of the call: do not run them concurrently with other explainers on the same
 * {@link Graph} instance.
 */
public interface Explainer<R extends Explanation> {

    R explain(Graph graph, INDArray x, Target target);

    /** Explains the predicted class's logit. */
    default R explain(Graph graph, INDArray x) {
        return explain(graph, x, Target.predicted());
    }
}
