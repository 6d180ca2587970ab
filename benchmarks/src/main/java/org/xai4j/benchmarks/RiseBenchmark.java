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
import org.xai4j.explain.Progress;
import org.xai4j.explain.Rise;
import org.xai4j.explain.Target;

/**
 * RISE at batch 1: {@code masks} masked copies on a {@code grid x grid} grid keeping
 * {@code keep}, fill 0, {@code batch} copies a pass (masks + 1 forward passes), in xai4j and
 * the same passes in ONNX Runtime on the same file ({@link OrtRise}). 4000 masks is the paper's
 * count for ImageNet models; 400 is a quick run. PyTorch's side is
 * {@code pytorch/side_by_side.py --cases rise}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dxai4j.gc.interval.seconds=10"})
public class RiseBenchmark {

    @Param({"mobilenet_v2"})
    public String model;

    @Param({"4000", "400"})
    public int masks;

    @Param({"7"})
    public int grid;

    @Param({"0.5"})
    public double keep;

    @Param({"8"})
    public int batch;

    private Graph graph;
    private OrtModel ort;
    private INDArray x;
    private float[] xs;
    private Rise rise;
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
        rise = new Rise(masks, grid, keep, Fill.value(0), Models.SEED, batch, Progress.NONE);
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public INDArray xai4j() {
        return rise.explain(graph, x, target).map();
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public double[] onnxRuntime() {
        return OrtRise.explain(ort, xs, (int) x.size(2), (int) x.size(3), 7, masks, grid, keep, 0, Models.SEED, batch);
    }
}
