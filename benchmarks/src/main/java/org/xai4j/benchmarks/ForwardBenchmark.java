package org.xai4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;

/**
 * Inference: the forward pass alone, activations freed as soon as they are read
 * ({@code Graph.predict}). Anchors: PyTorch eager, 2 threads, ResNet-50 b1 101.5 ms, b8 649 ms,
 * MobileNetV2 b1 23.6 ms, ResNet-18 b1 52.3 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dxai4j.gc.interval.seconds=10"})
public class ForwardBenchmark {

    @Param({"resnet50", "mobilenet_v2", "resnet18"})
    public String model;

    /** "plan": the engine with its compiled oneDNN plans (the default); "nodes": node by node. */
    @Param({"plan"})
    public String path;

    @Param({"1", "8"})
    public int batch;

    /**
     * "direct": the plans' default kernels; "winograd": 3x3 stride-1 convolutions as oneDNN's
     * Winograd where it offers them (-Dxai4j.onednn.winograd=true, read when the plan compiles).
     */
    @Param({"direct"})
    public String convolution;

    private Graph graph;
    private INDArray x;

    @Setup
    public void setup() {
        Acceleration.setEnabled(!"nodes".equals(path));
        useConvolution(convolution);
        graph = Models.build(model);
        x = Models.input(batch);
    }

    /**
     * Sets the plans' convolution kernels for the plans compiled from now on: "direct",
     * "winograd" (from the first pass) or "auto" (the default: Winograd once a plan has paid for it).
     */
    static void useConvolution(String convolution) {
        String setting = switch (convolution) {
            case "direct" -> "false";
            case "winograd" -> "true";
            case "auto" -> "auto";
            default -> throw new IllegalArgumentException("convolution must be direct, winograd or auto, got '" + convolution + "'");
        };
        System.setProperty("xai4j.onednn.winograd", setting);
    }

    @Benchmark
    public INDArray forward() {
        return graph.predict(x);
    }
}
