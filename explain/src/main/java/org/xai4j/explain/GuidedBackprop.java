package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.HookHandle;

/**
 * Guided backpropagation (Springenberg et al., "Striving for Simplicity: The All Convolutional
 * Net", ICLR 2015 workshop): the input gradient with every rectifier passing back only positive
 * signal where its input was positive.
 * <pre>
 *   ReLU:  dx = relu(dy) * [x > 0]        ReLU6:  dx = relu(dy) * [0 < x < 6]
 *   map = the resulting dScore/dx          [N, C, H, W]
 * </pre>
 * The rule is a backward hook ({@link BackwardRules#guided}) that lives only during the call.
 * Cost: one forward and one backward pass.
 */
public final class GuidedBackprop implements Explainer<Attribution> {
    private final BackwardRules.Activations activations;

    /** The rule on ReLU and ReLU6 (the oracle's {@code guided_backprop}). */
    public GuidedBackprop() {
        this(BackwardRules.Activations.RELU_AND_RELU6);
    }

    /** {@code RELU_ONLY} leaves ReLU6 plain, like Captum's GuidedBackprop. */
    public GuidedBackprop(BackwardRules.Activations activations) {
        this.activations = activations;
    }

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        try (HookHandle rules = BackwardRules.guided(graph, activations)) {
            return new Saliency().explain(graph, x, target);
        }
    }
}
