package org.xai4j.explain;

/**
 * A setting that explanation methods share, under one name everywhere: the key of the JSON
 * records and of {@link Parameters}, the command-line option, what it means, and the largest
 * value accepted. Limits refuse the absurd before it runs for hours (or until killed): each step
 * or sample is a forward and a backward pass, about 0.15 s on ResNet-50 here, so 100000 of them
 * take four hours; 1024 rows of a 224-pixel ResNet-50 pass keep tens of gigabytes of activations.
 */
public enum Parameter {
    LAYER("layer", "--layer", "the layer whose feature maps are weighted", 0, ""),
    STEPS("steps", "--steps", "gradient evaluations along the path", 100_000, "each step is a forward and a backward pass"),
    RULE("rule", "--rule", "the quadrature rule along the path", 0, ""),
    BASELINE("baseline", "--baseline", "the reference input the path starts from", 0, ""),
    SAMPLES("samples", "--samples", "noisy copies averaged", 100_000, "each sample is a forward and a backward pass"),
    SIGMA("sigma", "--sigma", "noise standard deviation as a fraction of the input's max - min", 0, ""),
    SEED("seed", "--seed", "seed of the noise", 0, ""),
    BATCH_SIZE("batch_size", "--batch-size", "inputs per forward pass", 1024,
            "a pass keeps every activation of every row until its backward"),
    RECTIFIERS("rectifiers", "--relu-only", "the rectifiers that get the method's backward rule", 0, ""),
    // Integrated gradients to a requested accuracy, and Augmented Grad-CAM's super-resolution (issue 13).
    GAP("gap", "--gap", "the completeness gap to reach, as a fraction of |f(x) - f(baseline)|; 0: exactly --steps", 0, ""),
    AUGMENTATIONS("augmentations", "--augmentations", "rotated and shifted copies of the input", 100_000,
            "each copy is a forward and a backward pass"),
    LAMBDA("lambda", "--lambda", "weight of the total variation of the super-resolved map", 0, ""),
    MU("mu", "--mu", "weight of the squared norm of the super-resolved map", 0, ""),
    ITERATIONS("iterations", "--iterations", "subgradient descent iterations of the super-resolution", 100_000,
            "each iteration applies every augmentation's operator twice"),
    STEP("step", "--step", "subgradient descent step; 0: 1 / (the data term's Lipschitz bound)", 0, ""),
    // Perturbation methods (occlusion, RISE, LIME, KernelSHAP): what is hidden and how.
    PATCH("patch", "--patch", "side of the square occluded, in input pixels", 0, ""),
    STRIDE("stride", "--stride", "step between occluded squares, in input pixels", 0, ""),
    FILL("fill", "--fill", "what hidden pixels become: a value, the input's channel means, or the input blurred", 0, ""),
    MASKS("masks", "--masks", "random masks averaged", 100_000, "each mask is a forward pass"),
    GRID("grid", "--grid", "cells per side of each random mask before upsampling", 0, ""),
    KEEP("keep", "--keep", "probability that a mask cell keeps its pixels", 0, ""),
    SEGMENTS("segments", "--segments", "the superpixels switched on and off", 0, "");

    private final String key;
    private final String option;
    private final String meaning;
    private final long limit;
    private final String why;

    Parameter(String key, String option, String meaning, long limit, String why) {
        this.key = key;
        this.option = option;
        this.meaning = meaning;
        this.limit = limit;
        this.why = why;
    }

    /** The name in {@link Method#parametersOf} (JSON records). */
    public String key() {
        return key;
    }

    /** The command-line option that sets it. */
    public String option() {
        return option;
    }

    public String meaning() {
        return meaning;
    }

    /** The largest value accepted, or 0 for no limit. */
    public long limit() {
        return limit;
    }

    /** Refuses {@code value} beyond {@link #limit}: {@code --steps 100000000: at most 100000 (why)}. */
    public void check(long value) {
        if (limit > 0 && value > limit) {
            throw new IllegalArgumentException(option + " " + value + ": at most " + limit + " (" + why + ")");
        }
    }

    /** Its value in {@code p} as the JSON records write it. */
    public Object valueIn(Parameters p) {
        return switch (this) {
            case LAYER -> p.layer();
            case STEPS -> p.steps();
            case RULE -> p.rule().label();
            case BASELINE -> p.baselineName();
            case SAMPLES -> p.samples();
            case SIGMA -> p.sigma();
            case SEED -> p.seed();
            case BATCH_SIZE -> p.batchSize();
            case RECTIFIERS -> p.rectifiers() == BackwardRules.Activations.RELU_ONLY ? "relu" : "relu and relu6";
            case GAP -> p.gap();
            case AUGMENTATIONS -> p.augmentations();
            case LAMBDA -> p.lambda();
            case MU -> p.mu();
            case ITERATIONS -> p.iterations();
            case STEP -> p.step();
            case PATCH -> p.perturbation().patch();
            case STRIDE -> p.perturbation().stride();
            case FILL -> p.perturbation().fill().name();
            case MASKS -> p.perturbation().masks();
            case GRID -> p.perturbation().grid();
            case KEEP -> p.perturbation().keep();
            case SEGMENTS -> p.perturbation().segments().name();
        };
    }
}
