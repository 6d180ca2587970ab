package org.xai4j.engine;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One operation of a {@link Graph}: a forward function and its hand-written backward rule.
 *
 * <p>Forward returns the output {@code y} together with a small typed cache: exactly what
 * backward needs, nothing more (often just references to arrays that are alive anyway).
 * Backward maps {@code dy = dL/dy} to {@code dx_i = dL/dx_i} for the inputs that {@link Need}
 * asks for, and to parameter gradients only when asked. Layers are immutable and thread-safe:
 * no field is written after construction, gradients are never accumulated into shared buffers
 * (the engine sums fan-out in one place).
 *
 * @param <C> the type of the forward cache
 */
public interface Layer<C> {

    /** Computes {@code y = f(x...)} and what backward will need. */
    Forward<C> forward(INDArray... x);

    /**
     * Gradients for the inputs where {@code need.input(i)} holds ({@code null} elsewhere) and,
     * when {@code need.parameters()}, for every parameter under the names of {@link #parameters()}.
     */
    Backward backward(C cache, INDArray dy, Need need);

    /**
     * The shape forward would return for inputs of shapes {@code x}, computed without touching
     * any array: the engine checks a pass against its {@link MemoryBudget} before allocating it.
     * Throws what forward would throw on shapes it refuses; null when the layer cannot tell, and
     * then the check stops at this node.
     */
    default long[] outputShape(long[]... x) {
        return null;
    }

    /**
     * Values of scratch the forward may hold while it runs, beside its inputs and output (a
     * convolution's unfolded columns); counted by the memory budget at this node only.
     */
    default long scratchValues(long[]... x) {
        return 0;
    }

    /** Named parameters (weights, biases, statistics); empty for parameter-free layers. */
    default Map<String, INDArray> parameters() {
        return Map.of();
    }

    /** The operator and its settings in one line, as {@code xai4j layers} prints it. */
    default String describe() {
        return getClass().getSimpleName();
    }

    /**
     * A cache that owns scratch arrays allocated in forward (a padded input, pooling switches):
     * the tape closes it when the pass is over. Caches that only reference activations, inputs
     * or parameters must not implement this.
     */
    interface OwnedCache extends AutoCloseable {
        @Override
        void close();
    }

    /** What forward produced: the output and the cache for backward (may be {@code null}). */
    record Forward<C>(INDArray y, C cache) {
        public static <C> Forward<C> of(INDArray y, C cache) {
            return new Forward<>(y, cache);
        }
    }

    /** What backward produced: one entry per input (null where not asked) and parameter grads. */
    record Backward(INDArray[] dx, Map<String, INDArray> dParameters) {
        public static Backward of(INDArray... dx) {
            return new Backward(dx, Map.of());
        }

        public static Backward of(INDArray[] dx, Map<String, INDArray> dParameters) {
            return new Backward(dx, dParameters);
        }
    }
}
