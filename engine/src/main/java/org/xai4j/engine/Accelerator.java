package org.xai4j.engine;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A faster way to run the first stretch of a graph's inference: a backend that compiles a run of
 * nodes into one plan (oneDNN with weights reordered once, activations kept in its blocked
 * layout, ReLU and residual adds fused into the convolutions).
 *
 * <p>The engine uses a plan only where nothing is lost: for nodes that no forward hook watches
 * and whose backward the caller will not ask for, so they need no recorded activation or cache.
 * A plan returns only the values the rest of the pass reads; they equal what the nodes compute
 * one by one, within float32 rounding (the tests of each backend compare the two). Found with
 * {@link java.util.ServiceLoader}; see {@link Acceleration} for how to switch it off.
 */
public interface Accelerator {

    /** Whether this backend can run {@code node} at all (its operator and data type). */
    boolean supports(Node node);

    /**
     * Whether this backend can run {@code node} as part of {@code graph}: by default
     * {@link #supports(Node)}. A backend that runs an operator only folded into the nodes that
     * read it (a zero Pad into the convolutions after it) looks at those readers here.
     */
    default boolean supports(Graph graph, Node node) {
        return supports(node);
    }

    /**
     * Whether a plan can hand back the value of {@code node} (by default yes). An operator folded
     * into the nodes that read it has no buffer of its own: when a caller needs its value, the
     * engine ends the stretch before it.
     */
    default boolean canReturn(Node node) {
        return true;
    }

    /**
     * What a plan compiled on this thread now depends on besides its nodes, input shape and
     * outputs (a backend's thread count): the engine reuses a plan only where this is the same.
     * By default nothing.
     */
    default String context() {
        return "";
    }

    /** Whether it can also take the gradient of {@code node} with respect to its inputs. */
    default boolean supportsBackward(Node node) {
        return false;
    }

    /**
     * Compiles {@code nodes}, a dependency-closed run of graph nodes that read only the graph
     * input {@code input} or each other, for an input of {@code inputShape}.
     *
     * @param outputs the values the caller needs back as arrays
     * @throws UnsupportedOperationException when a node cannot run at these shapes after all
     */
    Plan compile(List<Node> nodes, String input, long[] inputShape, Set<String> outputs);

    /**
     * Like {@link #compile}, for a plan that keeps what {@link Plan#backward} needs after each run:
     * the input gradient of the stretch, given the gradients at its outputs (no parameter
     * gradients).
     */
    default Plan compileForBackward(List<Node> nodes, String input, long[] inputShape, Set<String> outputs) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no backward plans");
    }

    /** Whether a backward plan can apply {@code rule} at {@code node} (see {@link RectifierRule}). */
    default boolean supportsRule(Node node, RectifierRule rule) {
        return false;
    }

    /**
     * Like {@link #compileForBackward(List, String, long[], Set)}, with the backward of each node
     * named in {@code rules} replaced by that rectifier rule.
     */
    default Plan compileForBackward(List<Node> nodes, String input, long[] inputShape, Set<String> outputs,
                                    Map<String, RectifierRule> rules) {
        if (!rules.isEmpty()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " compiles no rectifier rules");
        }
        return compileForBackward(nodes, input, inputShape, outputs);
    }

    /** A compiled stretch; it holds native buffers until closed. Safe to run from any thread. */
    interface Plan extends AutoCloseable {

        /**
         * Runs the plan on {@code x}; returns the requested values as fresh c-order arrays from
         * {@link Memory}, owned by the caller: never a view of a parameter or of {@code x}, since
         * the engine frees what it does not keep and pins parameters only for nodes it runs itself.
         */
        Map<String, INDArray> run(INDArray x);

        /**
         * For a plan compiled for backward: the gradient at the plan's input from the gradients at
         * its outputs (missing outputs count as zero), for the inputs of the last {@link #run}.
         * Returns a fresh array from {@link Memory}, owned by the caller.
         *
         * @param run the number {@link #runs()} gave right after the forward it belongs to
         * @throws IllegalStateException when the plan has run again since
         */
        default INDArray backward(long run, Map<String, INDArray> outputGradients) {
            throw new UnsupportedOperationException("this plan was compiled for inference only");
        }

        /** How many times {@link #run} has been called. */
        default long runs() {
            return 0;
        }

        /** One line per step, for diagnostics: what ran, and which kernel. */
        String describe();

        @Override
        void close();
    }
}
