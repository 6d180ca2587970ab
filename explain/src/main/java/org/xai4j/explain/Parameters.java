package org.xai4j.explain;

/**
 * The values of the shared {@link Parameter}s from which {@link Method#explainer} builds any
 * method; each method reads only the ones it lists. {@code layer} null means the input of the
 * last global pooling; {@code baselineName} is how records name the baseline. {@code progress}
 * receives the rows of long methods as they run; {@code perturbation} holds the settings of the
 * perturbation methods. Immutable: {@code DEFAULT.withSteps(64)}.
 */
public record Parameters(String layer, int steps, Quadrature rule, Baseline baseline, String baselineName, int samples,
                         double sigma, long seed, int batchSize, BackwardRules.Activations rectifiers, Progress progress,
                         Perturbation perturbation) {

    /** 32 right-Riemann steps from black, 25 samples at 0.15, seed 0, batches of 8, ReLU and ReLU6. */
    public static final Parameters DEFAULT = new Parameters(null, 32, Quadrature.RIGHT_RIEMANN, Baseline.black(), "black", 25,
            0.15, 0, 8, BackwardRules.Activations.RELU_AND_RELU6, Progress.NONE,
            Perturbation.DEFAULT);

    public Parameters withLayer(String v) {
        return new Parameters(v, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress, perturbation);
    }

    public Parameters withSteps(int v) {
        return new Parameters(layer, v, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress, perturbation);
    }

    public Parameters withRule(Quadrature v) {
        return new Parameters(layer, steps, v, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress, perturbation);
    }

    public Parameters withBaseline(Baseline v, String name) {
        return new Parameters(layer, steps, rule, v, name, samples, sigma, seed, batchSize, rectifiers, progress, perturbation);
    }

    public Parameters withSamples(int v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, v, sigma, seed, batchSize, rectifiers, progress, perturbation);
    }

    public Parameters withSigma(double v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, v, seed, batchSize, rectifiers, progress, perturbation);
    }

    public Parameters withSeed(long v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, v, batchSize, rectifiers, progress, perturbation);
    }

    public Parameters withBatchSize(int v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, v, rectifiers, progress, perturbation);
    }

    public Parameters withRectifiers(BackwardRules.Activations v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, v, progress, perturbation);
    }

    public Parameters withProgress(Progress v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, v, perturbation);
    }

    public Parameters withPerturbation(Perturbation v) {
        return new Parameters(layer, steps, rule, baseline, baselineName, samples, sigma, seed, batchSize, rectifiers, progress, v);
    }
}
