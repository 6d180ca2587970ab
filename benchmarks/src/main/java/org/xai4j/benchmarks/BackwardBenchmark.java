package org.xai4j.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
import org.xai4j.engine.Tape;

/**
 * Forward plus backward to the input (the vanilla-gradient cost), no parameter gradients; and
 * forward plus backward that stops at the last stage (Grad-CAM's cost before its cheap tail).
 * Anchors: ResNet-50 192.8 ms, MobileNetV2 54.3 ms, ResNet-18 94.5 ms. Warm-up of 15 s, as
 * {@link ExplainBenchmark} says why.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dxai4j.gc.interval.seconds=10"})
public class BackwardBenchmark {

    @Param({"resnet50", "mobilenet_v2", "resnet18"})
    public String model;

    /** "plan": the engine with its compiled oneDNN plans (the default); "nodes": node by node. */
    @Param({"plan"})
    public String path;

    private Graph graph;
    private INDArray x;
    private INDArray seed;
    private String input;
    private String output;

    @Setup
    public void setup() {
        Acceleration.setEnabled(!"nodes".equals(path));
        graph = Models.build(model);
        x = Models.input(1);
        input = graph.inputs().get(0).name();
        output = graph.outputs().get(0);
        seed = Nd4j.zeros(x.dataType(), 1, 1000);
        seed.putScalar(0, 7, 1.0);
    }

    @Benchmark
    public INDArray backwardToInput() {
        // Recorded for a backward to the input only: what saliency and IG do.
        try (Tape tape = graph.forward(Map.of(input, x), List.of(input))) {
            return tape.backward(output, seed, List.of(input)).get(input);
        }
    }

    @Benchmark
    public INDArray backwardToLastStage() {
        String stage = Models.lastStage(model);
        // Recorded only from the stage on: what Grad-CAM does.
        try (Tape tape = graph.forward(Map.of(input, x), List.of(stage))) {
            return tape.backward(output, seed, List.of(stage)).get(stage);
        }
    }
}
