package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.RectifierRule;

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
 *
 * @param activations where the rule applies: ReLU and ReLU6 (the default, the oracle's
 *     {@code guided_backprop}) or {@code RELU_ONLY}, leaving ReLU6 plain like Captum's GuidedBackprop
 */
public record GuidedBackprop(BackwardRules.Activations activations) implements Explainer<Attribution> {

    public GuidedBackprop() {
        this(BackwardRules.Activations.RELU_AND_RELU6);
    }

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        return BackwardRules.saliency(graph, x, target, RectifierRule.GUIDED, activations);
    }
}
