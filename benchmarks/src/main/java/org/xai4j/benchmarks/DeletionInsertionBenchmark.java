package org.xai4j.benchmarks;

import java.nio.file.Path;
import java.util.List;
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
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.GradCam;
import org.xai4j.explain.Head;
import org.xai4j.explain.Target;
import org.xai4j.explain.metrics.DeletionInsertion;
import org.xai4j.explain.metrics.Plane;
import org.xai4j.explain.metrics.Scorer;
import org.xai4j.explain.metrics.Substrate;
import org.xai4j.train.shapes.Mark;
import org.xai4j.train.shapes.Shapes;
import org.xai4j.train.shapes.ShapesSpec;

/**
 * One deletion or insertion curve of a Grad-CAM map (RISE's setting: as many pixels a step as the
 * image is wide, so 65 copies at 64 x 64 and 225 at 224 x 224; black deletion, blurred insertion),
 * its copies scored {@code batch} per forward pass: 1 is one copy per pass. Models: the bundled
 * shapes model on synthetic image 0, and MobileNet v2 from {@code ../shared} on the bullmastiff
 * and tiger cat photo (its file fixes the batch at 1, so it runs as a copy with a free batch, as
 * eval runs it). Run from the repository root. The setup checks that the batched curve is the
 * one-copy-per-pass curve to within {@link #TOLERANCE}; a curve per second is 1000 / (ms per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dxai4j.gc.interval.seconds=10"})
public class DeletionInsertionBenchmark {
    /** Probabilities; a row's float32 result may round differently beside other rows (other kernels), far below this. */
    static final double TOLERANCE = 1e-5;

    @Param({"shapes", "mobilenet_v2"})
    public String model;

    @Param({"1", "8", "32"})
    public int batch;

    private INDArray x;
    private Plane map;
    private Scorer probability;
    private DeletionInsertion deletion;
    private DeletionInsertion insertion;

    @Setup
    public void setup() {
        Graph graph;
        if (model.equals("shapes")) {
            graph = org.xai4j.importers.Models.load(Path.of("models/shapes.onnx"));
            Shapes shapes = new Shapes(1000, ShapesSpec.DEFAULT.withSize(64).withMark(Mark.NONE));
            x = Preprocess.TORCHVISION.apply(Images.rgb(shapes.sample(0).image()));
        } else if (model.equals("mobilenet_v2")) {
            graph = freeBatch(org.xai4j.importers.Models.load(Path.of("../shared/assets/models/mobilenet_v2_1.0_224_imagenet.onnx")));
            x = Preprocess.INCEPTION.apply(Images.load(Path.of("../shared/assets/images/both_bullmastiff_tigercat.png"), 224));
        } else {
            throw new IllegalArgumentException("model must be shapes or mobilenet_v2, got '" + model + "'");
        }
        Head head = Head.of(graph);
        int c = head.at(graph, x).argMax(1).getInt(0);
        map = Plane.of(GradCam.of(null).explain(graph, x, Target.of(c)).map().slice(0));
        probability = Scorer.probability(graph, c);
        int W = (int) x.size(3);
        deletion = new DeletionInsertion(Substrate.ZEROS, W, batch, 0);
        insertion = new DeletionInsertion(Substrate.BLUR, W, batch, 0);
        if (batch > 1) {
            check(deletion, DeletionInsertion.Mode.DELETION, new DeletionInsertion(Substrate.ZEROS, W, 1, 0));
            check(insertion, DeletionInsertion.Mode.INSERTION, new DeletionInsertion(Substrate.BLUR, W, 1, 0));
        }
    }

    private void check(DeletionInsertion batched, DeletionInsertion.Mode mode, DeletionInsertion single) {
        double[] a = batched.curve(mode, x, map, probability).scores();
        double[] b = single.curve(mode, x, map, probability).scores();
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        System.out.printf(java.util.Locale.ROOT, "%n%s %s: %d steps, batch %d against batch 1: max |difference| %.3g%n",
                model, mode, a.length, batch, worst);
        if (!(worst <= TOLERANCE)) {
            throw new IllegalStateException(model + " " + mode + ": the batched curve differs from one copy per pass by " + worst);
        }
    }

    /** The graph with its batch axis free (a file that fixes it at 1 would refuse a batch of copies). */
    static Graph freeBatch(Graph graph) {
        Graph.Input in = graph.inputs().get(0);
        long[] free = in.shape().clone();
        free[0] = -1;
        return new Graph(List.of(new Graph.Input(in.name(), free)), graph.nodes(), graph.outputs(), graph.aliases());
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public DeletionInsertion.Curve deletion() {
        return deletion.curve(DeletionInsertion.Mode.DELETION, x, map, probability);
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public DeletionInsertion.Curve insertion() {
        return insertion.curve(DeletionInsertion.Mode.INSERTION, x, map, probability);
    }
}
