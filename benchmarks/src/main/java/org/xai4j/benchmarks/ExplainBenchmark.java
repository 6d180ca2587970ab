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
import org.xai4j.explain.GradCam;
import org.xai4j.explain.GuidedBackprop;
import org.xai4j.explain.IntegratedGradients;
import org.xai4j.explain.Saliency;
import org.xai4j.explain.SmoothGrad;
import org.xai4j.explain.Target;

/**
 * End-to-end explanations at batch 1, as ANCHORS.md measured PyTorch: Grad-CAM at the last
 * stage (forward, backward to the stage, weights, ReLU, upsampling), Integrated Gradients with
 * 32 steps in batches of 8, SmoothGrad with 25 samples in batches of 8 (ANCHORS: one batch of
 * 25; both are the same arithmetic). Anchors: ResNet-50 Grad-CAM 102.5 ms, IG 5541 ms,
 * SmoothGrad 6062 ms; MobileNetV2 Grad-CAM 29.2 ms, IG 1133 ms, SmoothGrad 2597 ms.
 *
 * <p>Warm-up of 15 s or more: a plan's first calls run direct kernels until it recompiles with
 * Winograd ones, and a process ran slower until about 12 s in, after the first of the engine's
 * collections (at 10 s). ResNet-50's Grad-CAM in 2 s iterations from the start, two processes
 * on AVX-512: 54 and 64 ms, 46 and 58, then 28-43 ms, and 25-27 ms from 12 s on.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dxai4j.gc.interval.seconds=10"})
public class ExplainBenchmark {

    @Param({"resnet50", "mobilenet_v2"})
    public String model;

    /** "plan": the engine with its compiled oneDNN plans (the default); "nodes": node by node. */
    @Param({"plan"})
    public String path;

    private Graph graph;
    private INDArray x;
    private GradCam gradCam;
    private IntegratedGradients ig;
    private SmoothGrad smoothGrad;
    private final GuidedBackprop guided = new GuidedBackprop();
    private final Target target = Target.of(7);

    @Setup
    public void setup() {
        Acceleration.setEnabled(!"nodes".equals(path));
        graph = Models.build(model);
        x = Models.input(1);
        gradCam = GradCam.of(Models.lastStage(model));
        ig = IntegratedGradients.of(32);
        smoothGrad = new SmoothGrad(new Saliency(), 25, 0.15, Models.SEED, 8);
    }

    @Benchmark
    @Warmup(iterations = 3, time = 5)
    @Measurement(iterations = 5, time = 4)
    public INDArray gradCam() {
        return gradCam.explain(graph, x, target).map();
    }

    /** Guided backpropagation: a saliency pass with the guided rule on every rectifier. */
    @Benchmark
    @Warmup(iterations = 3, time = 5)
    @Measurement(iterations = 5, time = 4)
    public INDArray guidedBackprop() {
        return guided.explain(graph, x, target).map();
    }

    @Benchmark
    @Warmup(iterations = 2, time = 8)
    @Measurement(iterations = 3, time = 10)
    public INDArray integratedGradients32() {
        return ig.explain(graph, x, target).map();
    }

    @Benchmark
    @Warmup(iterations = 2, time = 8)
    @Measurement(iterations = 3, time = 10)
    public INDArray smoothGrad25() {
        return smoothGrad.explain(graph, x, target).map();
    }
}
