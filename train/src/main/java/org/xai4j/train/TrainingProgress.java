package org.xai4j.train;

/**
 * Where a training reports as it goes: a display or a log, never a result. Calls come from the
 * training thread; they must be cheap and must not throw.
 */
public interface TrainingProgress {
    TrainingProgress NONE = new TrainingProgress() {};

    /** Training begins: {@code steps} optimizer steps in all, {@code stepsPerEpoch} per epoch. */
    default void started(long steps, long stepsPerEpoch) {}

    /** Step {@code step} (1 for the first) is done; {@code loss} is its batch's mean loss. */
    default void step(long step, double loss) {}

    /** An epoch is done, held-out accuracy measured. */
    default void epoch(EpochReport report) {}

    /**
     * What one epoch did.
     *
     * @param epoch 1 for the first
     * @param loss the mean of the steps' batch losses
     * @param trainAccuracy the fraction of training examples the forward of their own step got
     *     right (the model changes during the epoch, so this is a running figure)
     * @param heldOutAccuracy on the held-out examples after the epoch, in inference mode; NaN
     *     when none were given
     * @param learningRate the rate of the epoch's last step
     * @param seconds wall time of the epoch's steps (evaluation not counted)
     * @param examplesPerSecond training examples per second of those steps (forward, backward,
     *     optimizer step, batch assembly)
     */
    record EpochReport(int epoch, long steps, double loss, double trainAccuracy, double heldOutAccuracy, double learningRate,
                       double seconds, double examplesPerSecond) {}
}
