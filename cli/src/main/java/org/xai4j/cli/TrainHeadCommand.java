package org.xai4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.Head;
import org.xai4j.importers.ModelMetadata;
import org.xai4j.importers.PreprocessDetection;
import org.xai4j.importers.onnx.OnnxExporter;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Linear;
import org.xai4j.train.Adam;
import org.xai4j.train.InMemoryExamples;
import org.xai4j.train.Schedule;
import org.xai4j.train.Trainer;
import org.xai4j.train.TrainingOptions;
import org.xai4j.train.TrainingProgress;
import org.xai4j.train.shapes.Mark;
import org.xai4j.train.shapes.ShapeSample;
import org.xai4j.train.shapes.Shapes;
import org.xai4j.train.shapes.ShapesSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xai4j train-head}: transfer learning as the lectures do it with a pretrained network.
 * The backbone is cut at its last feature maps, frozen, and given a new head (global average
 * pooling and one linear layer) trained on the synthetic shapes set. The backbone being frozen,
 * each image's pooled features are computed once and the head trains on them (identical to
 * training the whole graph with the backbone's gradients switched off, and hundreds of times
 * cheaper); the result is the backbone plus the new head, written as ONNX.
 */
@Command(name = "train-head", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Replaces a pretrained model's head with global average pooling and a new linear layer, freezes the "
                + "rest, and trains only the head on the synthetic shapes set (images at the model's input size). Writes "
                + "the new model as ONNX (preprocessing and class names in its metadata) and prints held-out accuracy."})
final class TrainHeadCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--layer", paramLabel = "NODE",
            description = "Where the backbone is cut: its output feeds the new head (default: the input of the model's last global pooling).")
    String layer;

    @Option(names = "--out", paramLabel = "FILE.onnx", required = true, description = "The new model.")
    Path out;

    @Option(names = "--synthetic", paramLabel = "N", defaultValue = "1200", description = "Training images (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--held-out", paramLabel = "N", defaultValue = "300", description = "Held-out images (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "40", description = "Epochs over the cached features (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Mixin
    PixelOptions pixels;


    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the images, the head's weights and the order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (train < 2 || train > 100_000 || heldOut < 1 || heldOut > 100_000 || epochs < 1 || epochs > 10_000) {
            throw new IllegalArgumentException("--synthetic 2 to 100000, --held-out 1 to 100000 and --epochs 1 to 10000 are accepted");
        }
        PrintWriter o = spec.commandLine().getOut();
        Graph graph = model.graph();
        Head head = Head.of(graph);
        String cut = head.featureMapsAt(graph, layer, "train-head");
        Graph.Input in = graph.inputs().get(0);
        int side = pixels.side(in)[0];
        PreprocessDetection.Choice pre = pixels.preprocessing(model.file(), graph);
        pixels.warnIfGuessed(spec.commandLine().getErr());
        Graph backbone = backbone(graph, cut);
        ShapesSpec shapes = ShapesSpec.DEFAULT.withSize(side).withMark(Mark.NONE);
        Shapes trainSet = new Shapes(seed, shapes);
        Shapes heldOutSet = new Shapes(seed + 1_000_003, shapes);
        List<String> labels = trainSet.labels();
        o.printf(Locale.ROOT, "backbone: %s cut at '%s' (frozen), preprocess %s (%s); new head: global average pooling + linear "
                + "to %d classes%n", model.file(), cut, pre.preset().cliName(), pre.reason(), labels.size());
        long start = System.nanoTime();
        INDArray[] xs = new INDArray[2];
        int[][] ys = new int[2][];
        Shapes[] sets = {trainSet, heldOutSet};
        int[] counts = {train, heldOut};
        for (int k = 0; k < 2; k++) {
            // A model that declares a fixed batch (often 1) is fed that many rows at a time.
            int batch = in.shape() != null && in.shape().length > 0 && in.shape()[0] > 0 ? (int) in.shape()[0] : 16;
            Features f = features(backbone, in.name(), cut, sets[k], counts[k], pre.preset(), batch);
            xs[k] = f.x();
            ys[k] = f.labels();
        }
        double featureSeconds = (System.nanoTime() - start) / 1e9;
        long C = xs[0].size(1);
        o.printf(Locale.ROOT, "features: %d + %d images x %d channels in %.1f s%n", train, heldOut, C, featureSeconds);

        Graph linear = new Graph(List.of(Graph.Input.of("features", -1, C)),
                List.of(Node.of("head_fc", new Linear(initial(labels.size(), C), Nd4j.zeros(DataType.FLOAT, labels.size())), "features")),
                List.of("head_fc"));
        TrainingOptions options = TrainingOptions.DEFAULT.withEpochs(epochs).withBatchSize(64).withOptimizer(Adam.of(1e-4))
                .withSchedule(Schedule.cosine(3e-3, 0)).withSeed(seed);
        Trainer.Result r = Trainer.fit(linear, new InMemoryExamples(xs[0], ys[0]), new InMemoryExamples(xs[1], ys[1]), options,
                new TrainingProgress() {
                    @Override
                    public void epoch(EpochReport e) {
                        if (e.epoch() == 1 || e.epoch() % 10 == 0 || e.epoch() == epochs) {
                            o.printf(Locale.ROOT, "epoch %3d  loss %.4f  train %.4f  held-out %.4f%n", e.epoch(), e.loss(),
                                    e.trainAccuracy(), e.heldOutAccuracy());
                            o.flush();
                        }
                    }
                });
        Linear fc = (Linear) r.model().node("head_fc").layer();
        Graph whole = withHead(backbone, cut, fc);
        double accuracy = accuracy(whole, in.name(), heldOutSet, heldOut, pre.preset());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(ModelMetadata.PREPROCESS_KEY, pre.preset().cliName());
        metadata.put(ModelMetadata.LABELS_KEY, String.join("\n", labels));
        metadata.put("xai4j.training", "xai4j train-head --model " + model.file().getFileName() + " --layer " + cut);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        byte[] bytes = OnnxExporter.toBytes(whole, metadata);
        Files.write(out, bytes);
        o.printf(Locale.ROOT, "trained in %.1f s; held-out accuracy of the whole model %.4f%n", (System.nanoTime() - start) / 1e9, accuracy);
        o.println("wrote " + out + "  sha256 " + TrainCommand.sha256(bytes));
        return 0;
    }

    /** The nodes that compute {@code cut}, with {@code cut} as the only output. */
    static Graph backbone(Graph graph, String cut) {
        Set<String> needed = graph.upstreamOf(cut);
        List<Node> nodes = graph.nodes().stream().filter(n -> needed.contains(n.name())).toList();
        return new Graph(graph.inputs(), nodes, List.of(cut));
    }

    /** The backbone followed by the new head: head_gap (global average pooling), head_flatten, head_fc (the logits). */
    static Graph withHead(Graph backbone, String cut, Linear fc) {
        List<Node> nodes = new ArrayList<>(backbone.nodes());
        nodes.add(Node.of("head_gap", new GlobalAvgPool(), cut));
        nodes.add(Node.of("head_flatten", new Flatten(1), "head_gap"));
        nodes.add(Node.of("head_fc", fc, "head_flatten"));
        return new Graph(backbone.inputs(), nodes, List.of("head_fc"));
    }

    record Features(INDArray x, int[] labels) {}

    /** Each image's feature maps at {@code cut}, averaged over space: [n, C]. */
    private static Features features(Graph backbone, String input, String cut, Shapes set, int n, Preprocess preset, int batch) {
        List<INDArray> rows = new ArrayList<>();
        int[] labels = new int[n];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            INDArray[] xs = new INDArray[to - from];
            for (int i = from; i < to; i++) {
                ShapeSample s = set.sample(i);
                labels[i] = s.label();
                xs[i - from] = preset.apply(Images.rgb(s.image()));
            }
            INDArray y = backbone.run(Map.of(input, Nd4j.concat(0, xs)), List.of(cut)).get(cut);
            rows.add(y.mean(2, 3).castTo(DataType.FLOAT));
        }
        return new Features(Nd4j.concat(0, rows.toArray(INDArray[]::new)), labels);
    }

    private static double accuracy(Graph whole, String input, Shapes set, int n, Preprocess preset) {
        int right = 0;
        for (int i = 0; i < n; i++) {
            ShapeSample s = set.sample(i);
            INDArray z = whole.run(Map.of(input, preset.apply(Images.rgb(s.image()))), List.of("head_fc")).get("head_fc");
            right += z.argMax(1).getInt(0) == s.label() ? 1 : 0;
        }
        return (double) right / n;
    }

    /** PyTorch's default for a new linear layer, U(-1/sqrt(C), 1/sqrt(C)), seeded. */
    private INDArray initial(int K, long C) {
        java.util.Random random = new java.util.Random(seed);
        double bound = 1 / Math.sqrt(C);
        float[] w = new float[(int) (K * C)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
        return Nd4j.create(w, new long[] {K, C});
    }
}
