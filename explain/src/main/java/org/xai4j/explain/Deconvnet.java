package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.RectifierRule;

/**
 * Deconvnet (Zeiler and Fergus, "Visualizing and Understanding Convolutional Networks", ECCV
 * 2014): the score projected back to the input, rectifying the signal at every rectifier
 * regardless of its forward input; max pooling unpools through its recorded switches.
 * <pre>
 *   rectifier: dx = relu(dy)        map = the resulting dScore/dx   [N, C, H, W]
 * </pre>
 * The rule is a backward hook ({@link BackwardRules#deconvnet}) that lives only during the call.
 * Cost: one forward and one backward pass.
 *
 * @param activations where the rule applies: ReLU and ReLU6 (the default) or {@code RELU_ONLY}
 */
public record Deconvnet(BackwardRules.Activations activations) implements Explainer<Attribution> {

    public Deconvnet() {
        this(BackwardRules.Activations.RELU_AND_RELU6);
    }

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        return BackwardRules.saliency(graph, x, target, RectifierRule.DECONVNET, activations);
    }
}
