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
import org.xai4j.explain.Head;
import org.xai4j.explain.ScoreCam;
import org.xai4j.explain.Target;

/**
 * Score-CAM at batch 1 at the last stage (the input of the last global pooling: ResNet-18's
 * layer4, 512 maps; MobileNetV2's last 1x1 convolution, 1280 maps), {@code batch} masked inputs
 * a pass (K + 2 forward passes), in xai4j and the same passes in ONNX Runtime on the same file
 * ({@link OrtScoreCam}). For orientation: torch-cam's README reports Score-CAM on ResNet-18 at
 * 6797 ms beyond the forward pass on a laptop CPU (i7-10750H). PyTorch's side here is
 * {@code pytorch/side_by_side.py --cases scorecam}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dxai4j.gc.interval.seconds=10"})
public class ScoreCamBenchmark {

    @Param({"resnet18", "mobilenet_v2"})
    public String model;

    @Param({"8"})
    public int batch;

    private Graph graph;
    private OrtModel ort;
    private String layer;
    private INDArray x;
    private float[] xs;
    private ScoreCam scoreCam;
    private final Target target = Target.of(7);

    /**
     * xai4j's graph is loaded in both forks: it names the feature maps (the input of the last
     * global pooling), which ONNX Runtime is then asked to return as an extra output.
     */
    @Setup
    public void setup(BenchmarkParams params, OrtSide side) {
        Path file = OnnxFiles.of(model);
        graph = Models.build(file.toString());
        layer = Head.of(graph).featureMaps();
        x = Models.input(1);
        xs = x.dup('c').data().asFloat();
        if (OrtSide.timed(params)) {
            ort = side.open(OnnxFiles.withOutput(file, layer));
            graph = null;
        }
        scoreCam = new ScoreCam(layer, batch);
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public INDArray xai4j() {
        return scoreCam.explain(graph, x, target).map();
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public double[] onnxRuntime() {
        return OrtScoreCam.explain(ort, layer, xs, (int) x.size(2), (int) x.size(3), 7, batch);
    }
}
