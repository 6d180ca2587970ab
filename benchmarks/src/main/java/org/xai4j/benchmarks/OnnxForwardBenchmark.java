package org.xai4j.benchmarks;

import java.nio.FloatBuffer;
import java.nio.file.Path;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.xai4j.engine.Graph;

/**
 * The forward pass on the same ONNX files ({@link OnnxFiles}: ResNet-18 and MobileNetV2 from
 * {@code ../shared}, the zoo's ResNet-50 exported) in xai4j (the file imported, batch norms
 * folded, compiled plans) and in ONNX Runtime's Java API ({@link OrtModel}: 2 intra-op threads,
 * all graph optimizations), one fork per runtime. ONNX Runtime's side is one run of the session
 * on a batch already in its direct buffer, logits copied out; xai4j's is {@code Graph.predict}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dxai4j.gc.interval.seconds=10"})
public class OnnxForwardBenchmark {

    @Param({"resnet18", "resnet50", "mobilenet_v2"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    /** xai4j's convolution kernels: "direct" or "winograd" (ForwardBenchmark's parameter); ONNX Runtime ignores it. */
    @Param({"direct"})
    public String convolution;

    private Graph graph;
    private INDArray x;
    private OrtModel ort;
    private FloatBuffer rows;

    /** Loads only the runtime the benchmark method uses. */
    @Setup
    public void setup(BenchmarkParams params, OrtSide side) {
        Path file = OnnxFiles.of(model);
        x = Models.input(batch);
        if (OrtSide.timed(params)) {
            ort = side.open(file);
            rows = ort.batch(batch).put(x.dup('c').data().asFloat());
        } else {
            ForwardBenchmark.useConvolution(convolution);
            graph = Models.build(file.toString());
        }
    }

    @Benchmark
    public INDArray xai4j() {
        return graph.predict(x);
    }

    @Benchmark
    public float[] onnxRuntime() {
        return ort.logits(rows, batch);
    }
}
