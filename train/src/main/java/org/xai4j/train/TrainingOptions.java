package org.xai4j.train;

/**
 * How a {@link Trainer} trains: an immutable value, changed with {@code with...} methods
 * ({@code TrainingOptions.DEFAULT.withEpochs(20).withOptimizer(Adam.of(1e-4))}).
 *
 * @param epochs passes over the training examples
 * @param batchSize examples per step; the last incomplete batch of each (shuffled) epoch is left
 *     out, as with PyTorch's {@code drop_last=True}, so every batch norm sees full batches
 * @param optimizer the update rule; weight decay applies to weights of rank 2 or more
 *     (convolution and linear weights), not to biases or batch-norm gamma and beta
 * @param schedule the learning rate at each step
 * @param labelSmoothing s of {@link SoftmaxCrossEntropy}, 0 for none
 * @param batchNormMomentum m of the running statistics ({@link TrainingGraph})
 * @param seed the shuffling seed; the model's initial weights are the caller's
 */
public record TrainingOptions(int epochs, int batchSize, Optimizer optimizer, Schedule schedule, double labelSmoothing,
                              double batchNormMomentum, long seed) {

    /**
     * 15 epochs of batches of 32, SGD with momentum 0.9 and weight decay 5e-4, cosine annealing
     * from 0.05 after a 50-step warm-up, no label smoothing, PyTorch's batch-norm momentum 0.1,
     * seed 0: what took {@link SmallResNet} to 94-95% held-out accuracy on 8,000 shapes images
     * (the train README).
     */
    public static final TrainingOptions DEFAULT = new TrainingOptions(15, 32, new Sgd(0.9, 5e-4), Schedule.cosine(0.05, 50), 0,
            0.1, 0);

    public TrainingOptions {
        if (epochs < 1 || epochs > 100_000) {
            throw new IllegalArgumentException("epochs " + epochs + "; accepted: 1 to 100000");
        }
        if (batchSize < 2 || batchSize > 65_536) {
            throw new IllegalArgumentException("batch size " + batchSize + "; accepted: 2 to 65536 (batch norm needs two examples)");
        }
        if (optimizer == null || schedule == null) {
            throw new IllegalArgumentException("training needs an optimizer and a schedule");
        }
        new SoftmaxCrossEntropy(labelSmoothing); // checks the range
        if (!(batchNormMomentum >= 0 && batchNormMomentum <= 1)) {
            throw new IllegalArgumentException("batch-norm momentum " + batchNormMomentum + "; accepted: 0 <= m <= 1");
        }
    }

    public TrainingOptions withEpochs(int e) {
        return new TrainingOptions(e, batchSize, optimizer, schedule, labelSmoothing, batchNormMomentum, seed);
    }

    public TrainingOptions withBatchSize(int b) {
        return new TrainingOptions(epochs, b, optimizer, schedule, labelSmoothing, batchNormMomentum, seed);
    }

    public TrainingOptions withOptimizer(Optimizer o) {
        return new TrainingOptions(epochs, batchSize, o, schedule, labelSmoothing, batchNormMomentum, seed);
    }

    public TrainingOptions withSchedule(Schedule s) {
        return new TrainingOptions(epochs, batchSize, optimizer, s, labelSmoothing, batchNormMomentum, seed);
    }

    public TrainingOptions withLabelSmoothing(double s) {
        return new TrainingOptions(epochs, batchSize, optimizer, schedule, s, batchNormMomentum, seed);
    }

    public TrainingOptions withBatchNormMomentum(double m) {
        return new TrainingOptions(epochs, batchSize, optimizer, schedule, labelSmoothing, m, seed);
    }

    public TrainingOptions withSeed(long s) {
        return new TrainingOptions(epochs, batchSize, optimizer, schedule, labelSmoothing, batchNormMomentum, s);
    }
}
