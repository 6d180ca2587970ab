package org.xai4j.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A well-known modified backward rule of a rectifier (a ReLU, or a Clip with lower bound 0),
 * given to a pass as data ({@link Hooks#rule}):
 * <pre>
 *   GUIDED     dx = relu(dy) * [the rectifier passes x]    guided backpropagation (Springenberg et al. 2015)
 *   DECONVNET  dx = relu(dy), whatever x was                deconvnet (Zeiler and Fergus 2014)
 * </pre>
 * Node by node the engine applies {@link #apply} after the node's own backward. An
 * {@link Accelerator} that knows the rule compiles it into a backward plan instead, so a network
 * with the rule on every rectifier still runs as one plan; each backend's tests compare the two.
 */
public enum RectifierRule {
    GUIDED,
    DECONVNET;

    /**
     * The rule's input gradient from the node's output gradient {@code dy} and the gradient
     * {@code dx} its ordinary backward computed. {@code dy} never changes (a layer may return it
     * as {@code dx}, and it may be a gradient the caller asked for); a fresh {@code dx} is
     * rectified in place (guided) or handed back to the pool (deconvnet).
     */
    INDArray apply(INDArray dy, INDArray dx) {
        boolean fresh = Buffers.root(dx) != Buffers.root(dy);
        if (this == GUIDED) {
            // relu(dy) * mask == relu(dy * mask) for a 0/1 mask, and dy * mask is exactly what the
            // rectifier's own backward computed (derivative 0 at the kinks, as the oracle has it).
            return Transforms.relu(dx, !fresh);
        }
        if (fresh) {
            Memory.recycle(dx);
        }
        return Transforms.relu(dy, true);
    }
}
