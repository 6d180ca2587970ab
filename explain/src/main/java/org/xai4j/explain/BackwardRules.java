package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Hooks;
import org.xai4j.engine.Node;
import org.xai4j.engine.RectifierRule;
import org.xai4j.layers.Clip;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;

/**
 * Modified backward rules for rectifiers, given to one call as {@link Hooks} (the engine's
 * {@link RectifierRule}s); the model's layers are never swapped or changed, and other calls on
 * the same graph, on other threads too, never see them.
 * <pre>
 *   guided backpropagation (Springenberg et al., ICLR 2015 workshop):
 *       ReLU:                dx = relu(dy) * [x > 0]
 *       ReLU6 = Clip(0, 6):  dx = relu(dy) * [0 < x < 6]
 *   deconvnet (Zeiler and Fergus, ECCV 2014):
 *       dx = relu(dy), whatever the forward input was
 * </pre>
 * Max pooling keeps its ordinary backward, which routes the signal through the switches (argmax
 * positions) recorded in forward: that is the deconvnet's unpooling.
 */
public final class BackwardRules {
    private BackwardRules() {}

    /** Which activations get the modified rule. */
    public enum Activations {
        /** ReLU and ReLU6 (any Clip whose lower bound is 0), the oracle's convention. */
        RELU_AND_RELU6,
        /** ReLU only; ReLU6 keeps its ordinary backward, as in Captum, which hooks nn.ReLU alone. */
        RELU_ONLY
    }

    /** {@code rule} on the rectifiers {@code activations} names, as this call's hooks. */
    public static Hooks hooks(RectifierRule rule, Activations activations) {
        return Hooks.NONE.rule(n -> rectifies(n, activations), rule);
    }

    /** The input gradient ({@link Saliency}) with {@code rule} on the rectifiers, for this call only. */
    static Attribution saliency(Graph graph, INDArray x, Target target, RectifierRule rule, Activations activations) {
        ActivationGradient r = ActivationGradient.record(graph, x, target, ActivationGradient.inputOf(graph), hooks(rule, activations));
        return new Attribution(r.gradient(), r.scores());
    }

    static boolean rectifies(Node n, Activations activations) {
        Object layer = Specialization.reference(n.layer());
        return layer instanceof ReLU || activations == Activations.RELU_AND_RELU6 && layer instanceof Clip c && c.min() == 0;
    }
}
