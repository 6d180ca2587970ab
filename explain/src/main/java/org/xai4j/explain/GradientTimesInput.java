package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * Gradient x input (Shrikumar et al., "Not Just a Black Box", 2016): the first-order Taylor
 * contribution of each input value to the score.
 * <pre>
 *   map = x * dScore/dx    [N, C, H, W], elementwise, not summed over channels
 * </pre>
 * Cost: one forward and one backward pass.
 */
public final class GradientTimesInput implements Explainer<Attribution> {

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        ActivationGradient r = ActivationGradient.record(graph, x, target, ActivationGradient.inputOf(graph));
        return new Attribution(r.gradient().muli(x), r.scores());
    }
}
