package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * Vanilla gradient saliency (Simonyan, Vedaldi and Zisserman, "Deep Inside Convolutional
 * Networks", ICLR 2014 workshop): how much the score changes with each input value.
 * <pre>
 *   map = dScore/dx        [N, C, H, W]
 * </pre>
 * Raw, signed, per channel; {@link Maps#aggregate} makes the paper's {@code max_c |g|} picture.
 * Cost: one forward and one backward pass.
 */
public final class Saliency implements Explainer<Attribution> {

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        ActivationGradient r = ActivationGradient.record(graph, x, target, ActivationGradient.inputOf(graph));
        return new Attribution(r.gradient(), r.scores());
    }
}
