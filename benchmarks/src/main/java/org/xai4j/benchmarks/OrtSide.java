package org.xai4j.benchmarks;

import java.nio.file.Path;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * ONNX Runtime's side of the side-by-side benchmarks, one JMH state they all take into their
 * setup: its session options as parameters ({@code -p threads=..., -p ortSpinning=...}), the
 * session ({@link OrtModel}) opened only in a fork that times a method named {@code onnxRuntime}
 * (a fork holds one runtime's model, not both), and closed after the trial.
 */
@State(Scope.Benchmark)
public class OrtSide {
    /** ONNX Runtime's intra-op threads, as many as the two cores xai4j and PyTorch use. */
    @Param({"2"})
    public int threads;

    /** Whether ONNX Runtime's idle intra-op threads spin (its default); false on a host with busy cores. */
    @Param({"true"})
    public boolean ortSpinning;

    private OrtModel session;

    /** Whether this fork's benchmark method is the ONNX Runtime one. */
    static boolean timed(BenchmarkParams params) {
        return params.getBenchmark().endsWith("onnxRuntime");
    }

    /** The session on {@code file} with these options, closed after the trial. */
    OrtModel open(Path file) {
        session = new OrtModel(file, threads, ortSpinning);
        return session;
    }

    @TearDown
    public void close() {
        if (session != null) {
            session.close();
        }
    }
}
