package org.xai4j.explain;

/**
 * The values of the shared {@link Parameter}s from which {@link Method#explainer} builds any
 * method; each method reads only the ones it lists. {@code layer} null means the input of the
 * last global pooling; {@code baselineName} is how records name the baseline. {@code progress}
 * receives the rows of long methods as they run. {@code gap} 0 means integrated gradients takes
 * exactly {@code steps}; above 0, {@code steps} is its cap. {@code step} 0 means Augmented
 * Grad-CAM chooses its step. {@code perturbation} holds the settings of the perturbation methods.
 * Immutable: {@code DEFAULT.withSteps(64)}.
 */
public record Parameters(String layer, int steps, Quadrature rule, Baseline baseline, String baselineName, int samples,
                         double sigma, long seed, int batchSize, BackwardRules.Activations rectifiers, Progress progress,
                         double gap, int augmentations, double lambda, double mu, int iterations, double step,
                         Perturbation perturbation) {

    /**
     * 32 right-Riemann steps from black, 25 samples at 0.15, seed 0, batches of 8, ReLU and ReLU6;
     * no gap; {@value AugmentedGradCam#AUGMENTATIONS} augmentations, lambda {@value AugmentedGradCam#LAMBDA},
     * mu {@value AugmentedGradCam#MU}, {@value AugmentedGradCam#ITERATIONS} iterations, the automatic step;
     * the perturbation methods' defaults ({@link Perturbation#DEFAULT}).
     */
    public static final Parameters DEFAULT = new Parameters(null, 32, Quadrature.RIGHT_RIEMANN, Baseline.black(), "black", 25,
            0.15, 0, 8, BackwardRules.Activations.RELU_AND_RELU6, Progress.NONE,
            0, AugmentedGradCam.AUGMENTATIONS, AugmentedGradCam.LAMBDA, AugmentedGradCam.MU, AugmentedGradCam.ITERATIONS, 0,
            Perturbation.DEFAULT);

    public Parameters withLayer(String v) {
        return new Parameters(v, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withSteps(int v) {
        return new Parameters(layer, v, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withRule(Quadrature v) {
        return new Parameters(layer, steps, v, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withBaseline(Baseline v, String name) {
        return new Parameters(layer, steps, rule, v, name, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withSamples(int v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, v, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withSigma(double v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, v, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withSeed(long v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, v, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withBatchSize(int v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, v, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withRectifiers(BackwardRules.Activations v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, v, progress,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withProgress(Progress v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, v,
                gap, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withGap(double v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                v, augmentations, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withAugmentations(int v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, v, lambda, mu, iterations, step, perturbation);
    }

    public Parameters withLambda(double v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, v, mu, iterations, step, perturbation);
    }

    public Parameters withMu(double v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, v, iterations, step, perturbation);
    }

    public Parameters withIterations(int v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, v, step, perturbation);
    }

    public Parameters withStep(double v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, v, perturbation);
    }

    public Parameters withPerturbation(Perturbation v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress,
                gap, augmentations, lambda, mu, iterations, step, v);
    }
}
