package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;
import org.xai4j.engine.HookHandle;
import org.xai4j.engine.Node;
import org.xai4j.engine.RectifierRule;
import org.xai4j.layers.Clip;
import org.xai4j.layers.ReLU;

/**
 * Modified backward rules for rectifiers, installed as backward hooks for the life of a
 * try-with-resources block; the model's layers are never swapped or changed.
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

    /**
     * Installs guided backpropagation's rule on the rectifiers. The hook is a {@link RectifierRule},
     * so a backward plan may apply the rule itself; this code is the rule node by node.
     */
    public static HookHandle guided(Graph graph, Activations activations) {
        // relu(dy) * mask == relu(dy * mask) for a 0/1 mask, and dy * mask is exactly what the
        // rectifier's own backward rule has just computed (derivative 0 at the kinks, as the oracle).
        return graph.addBackwardHook(n -> rectifies(n, activations), RectifierRule.of(RectifierRule.Kind.GUIDED, (node, dy, dx) -> {
            if (NdArrays.sameBuffer(dx[0], dy)) {
                return new INDArray[] {Transforms.relu(dx[0], true)};
            }
            return new INDArray[] {Transforms.relu(dx[0], false)};
        }));
    }

    /** Installs the deconvnet's rule on the rectifiers (a {@link RectifierRule}, like {@link #guided}). */
    public static HookHandle deconvnet(Graph graph, Activations activations) {
        return graph.addBackwardHook(n -> rectifies(n, activations), RectifierRule.of(RectifierRule.Kind.DECONVNET, (node, dy, dx) -> {
            INDArray rectified = Transforms.relu(dy, true);
            if (!NdArrays.sameBuffer(dx[0], dy)) {
                NdArrays.close(dx[0]);
            }
            return new INDArray[] {rectified};
        }));
    }

    /** How a rule is put on a graph: {@link #guided} or {@link #deconvnet}. */
    @FunctionalInterface
    interface Rule {
        HookHandle install(Graph graph, Activations activations);
    }

    /** The input gradient ({@link Saliency}) with {@code rule} on the rectifiers for the duration of the call. */
    static Attribution saliency(Graph graph, INDArray x, Target target, Rule rule, Activations activations) {
        try (HookHandle rules = rule.install(graph, activations)) {
            return new Saliency().explain(graph, x, target);
        }
    }

    static boolean rectifies(Node n, Activations activations) {
        return n.layer() instanceof ReLU
                || activations == Activations.RELU_AND_RELU6 && n.layer() instanceof Clip c && c.min() == 0;
    }
}
