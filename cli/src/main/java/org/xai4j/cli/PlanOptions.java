package org.xai4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code [--[no-]winograd]}: how the compiled oneDNN plans that run the model compute, declared
 * once for every command that runs a model (a picocli mixin inside {@link InputOptions}). The
 * plans read the switch as a system property when they compile, as the library and the
 * benchmarks do; left alone, the plans' own default holds (Winograd where oneDNN offers it).
 */
final class PlanOptions {
    /** The plans' switch (onednn's {@code Winograd.PROPERTY}; the CLI does not link that module). */
    static final String WINOGRAD = "xai4j.onednn.winograd";

    @Option(names = "--winograd", negatable = true,
            description = "Run 3x3 stride-1 convolutions with oneDNN's Winograd kernels where it offers them (the default; "
                    + "f32 at AVX-512 only, elsewhere the direct ones stay). --no-winograd keeps the direct kernels: "
                    + "plans compile faster, results differ in the 7th digit (onednn/README.md).")
    void winograd(boolean on) {
        System.setProperty(WINOGRAD, Boolean.toString(on));
    }
}
