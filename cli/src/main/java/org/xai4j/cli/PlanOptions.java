package org.xai4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code [--[no-]winograd]}: how the compiled oneDNN plans that run the model compute, declared
 * once for every command that runs a model (a picocli mixin inside {@link InputOptions}). The
 * plans read the switch as a system property when they compile, as the library and the
 * benchmarks do; left alone, the plans' own default holds (auto: Winograd once it pays).
 */
final class PlanOptions {
    /** The plans' switch (onednn's {@code Winograd.PROPERTY}; the CLI does not link that module). */
    static final String WINOGRAD = "xai4j.onednn.winograd";

    @Option(names = "--winograd", negatable = true,
            description = "oneDNN's Winograd kernels for 3x3 stride-1 convolutions (f32 at AVX-512 only; elsewhere the "
                    + "direct ones stay): --winograd from the first pass, --no-winograd never. Neither: a compiled plan "
                    + "switches after the runs that pay for its weight transform (onednn/README.md).")
    void winograd(boolean on) {
        System.setProperty(WINOGRAD, Boolean.toString(on));
    }
}
