package org.xai4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code [--winograd]}: how the compiled oneDNN plans that run the model compute, declared once
 * for every command that runs a model (a picocli mixin inside {@link InputOptions}). The plans
 * read the switch as a system property when they compile, as the library and the benchmarks do.
 */
final class PlanOptions {
    /** The plans' switch (onednn's {@code Winograd.PROPERTY}; the CLI does not link that module). */
    static final String WINOGRAD = "xai4j.onednn.winograd";

    @Option(names = "--winograd",
            description = "Run 3x3 stride-1 convolutions with oneDNN's Winograd kernels where it offers them (f32 at "
                    + "AVX-512 only; elsewhere the direct ones stay). Faster on ResNets, less exact: see onednn/README.md.")
    void winograd(boolean on) {
        if (on) {
            System.setProperty(WINOGRAD, "true");
        }
    }
}
