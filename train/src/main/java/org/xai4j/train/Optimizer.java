package org.xai4j.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An update rule for one parameter array, as an immutable value: its settings only. What it
 * remembers between steps (momentum, moment estimates) is {@link #slots()} arrays per parameter
 * that the caller owns and hands back on every step, zero at the start; the learning rate comes
 * from a {@link Schedule}. So one optimizer value may serve any number of trainings at once.
 */
public sealed interface Optimizer permits Sgd, Adam {

    /** State arrays per parameter (shape and type of the parameter, zero-initialised by the caller). */
    int slots();

    /**
     * Updates {@code p} in place from its gradient {@code g} (not modified) at learning rate
     * {@code lr}; {@code t} is this step's number, 1 for the first; {@code decay} whether weight
     * decay applies to this parameter.
     */
    void step(INDArray p, INDArray g, INDArray[] state, double lr, long t, boolean decay);

    /** One line for logs and reports. */
    String describe();
}
