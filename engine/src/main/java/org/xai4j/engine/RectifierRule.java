package org.xai4j.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A backward hook that applies one of the well-known modified rules of a rectifier (a ReLU, or a
 * Clip with lower bound 0), named by its {@link #kind()}:
 * <pre>
 *   GUIDED     dx = relu(dy) * [the rectifier passes x]    guided backpropagation
 *   DECONVNET  dx = relu(dy), whatever x was                deconvnet
 * </pre>
 * Node by node the engine calls {@link #onBackward} like any hook. An {@link Accelerator} that
 * knows the rule may compile it into a backward plan instead, so a network with the rule on every
 * rectifier still runs as one plan; the tests of each backend compare the two.
 */
public interface RectifierRule extends BackwardHook {

    enum Kind { GUIDED, DECONVNET }

    Kind kind();

    /** The rule {@code kind}, computed node by node by {@code hook}. */
    static RectifierRule of(Kind kind, BackwardHook hook) {
        return new RectifierRule() {
            @Override
            public Kind kind() {
                return kind;
            }

            @Override
            public INDArray[] onBackward(Node node, INDArray dy, INDArray[] dx) {
                return hook.onBackward(node, dy, dx);
            }
        };
    }
}
