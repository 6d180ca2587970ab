package org.xai4j.benchmarks;

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
import org.xai4j.explain.Fill;
import org.xai4j.explain.Occlusion;
import org.xai4j.explain.Progress;
import org.xai4j.explain.ReceptiveFieldOcclusion;
import org.xai4j.explain.Target;

/**
 * Occlusion sensitivity at batch 1, every square's copy batched {@code batch} at a time: the
 * naive method (every copy through the whole network) against the receptive-field one (only each
 * square's region through the early layers, the rest in full), and beside them the naive
 * method's passes in ONNX Runtime on the same file ({@link OrtOcclusion}). Patch 32, stride 16
 * at 224 x 224: 13 x 13 = 169 squares, so 170 forward passes for the naive method (1 + 22 at
 * batch 8). The models are {@link OnnxFiles}' files; PyTorch's side is
 * {@code pytorch/side_by_side.py --cases occlusion}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dxai4j.gc.interval.seconds=10"})
public class OcclusionBenchmark {

    @Param({"resnet50", "resnet18"})
    public String model;

    @Param({"32"})
    public int patch;

    @Param({"16"})
    public int stride;

    @Param({"8"})
    public int batch;

    private Graph graph;
    private OrtModel ort;
    private INDArray x;
    private float[] xs;
    private Occlusion naive;
    private ReceptiveFieldOcclusion receptiveField;
    private final Target target = Target.of(7);

    /** Loads only the runtime the benchmark method uses: a fork holds one model, not both. */
    @Setup
    public void setup(BenchmarkParams params, OrtSide side) {
        Path file = OnnxFiles.of(model);
        x = Models.input(1);
        xs = x.dup('c').data().asFloat();
        if (OrtSide.timed(params)) {
            ort = side.open(file);
        } else {
            graph = Models.build(file.toString());
        }
        naive = new Occlusion(patch, stride, Fill.value(0), batch, Progress.NONE);
        receptiveField = new ReceptiveFieldOcclusion(patch, stride, Fill.value(0), batch, Progress.NONE);
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public INDArray naive() {
        return naive.explain(graph, x, target).grid();
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public INDArray receptiveField() {
        return receptiveField.explain(graph, x, target).grid();
    }

    /** The naive method's 170 passes in ONNX Runtime, copies built the same way; it has no receptive-field shortcut. */
    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public double[] onnxRuntime() {
        return OrtOcclusion.explain(ort, xs, (int) x.size(2), (int) x.size(3), 7, patch, stride, 0, batch);
    }
}
