package org.xai4j.engine;

/**
 * What a backward call must compute: the gradient of input {@code i} when {@code inputs[i]},
 * parameter gradients when {@code parameters}. Explanations ask for input gradients only,
 * which saves a weight-gradient pass per layer; training asks for both.
 */
public record Need(boolean[] inputs, boolean parameters) {

    /** The input gradient of a single-input layer, no parameter gradients. */
    public static final Need INPUT = new Need(new boolean[] {true}, false);

    public boolean input(int i) {
        return inputs[i];
    }

    /** Input gradients for all {@code n} inputs, and parameters as given. */
    public static Need all(int n, boolean parameters) {
        boolean[] in = new boolean[n];
        java.util.Arrays.fill(in, true);
        return new Need(in, parameters);
    }
}
