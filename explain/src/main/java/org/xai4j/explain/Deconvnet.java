package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.HookHandle;

/**
 * Deconvnet (Zeiler and Fergus, "Visualizing and Understanding Convolutional Networks", ECCV
 * 2014): the score projected back to the input, rectifying the signal at every rectifier
 * regardless of its forward input; max pooling unpools through its recorded switches.
 * <pre>
 *   rectifier: dx = relu(dy)        map = the resulting dScore/dx   [N, C, H, W]
 * </pre>
 * The rule is a backward hook ({@link BackwardRules#deconvnet}) that lives only during the call.
 * Cost: one forward and one backward pass.
 */
public final class Deconvnet implements Explainer<Attribution> {
    private final BackwardRules.Activations activations;

    public Deconvnet() {
        this(BackwardRules.Activations.RELU_AND_RELU6);
    }

    public Deconvnet(BackwardRules.Activations activations) {
        this.activations = activations;
    }

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        try (HookHandle rules = BackwardRules.deconvnet(graph, activations)) {
            return new Saliency().explain(graph, x, target);
        }
    }
}
