package org.xai4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Labels;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.importers.Models;
import org.xai4j.importers.onnx.OnnxExporter;
import org.xai4j.importers.onnx.OnnxImporter;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.BatchNormFolding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code xai4j export}: a model, as xai4j reads it, written as an ONNX file that other runtimes run. */
@Command(name = "export", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Writes a model as xai4j reads it (ONNX or Keras) to an ONNX file (opset 13) that ONNX Runtime "
                + "and other tools run: node and tensor names are the names `xai4j layers` prints, weights float32.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.onnx", description = "The ONNX file to write.")
    Path out;

    @Option(names = "--fold-batch-norm",
            description = "Merge each batch norm into the convolution before it (fewer nodes, the same outputs up to "
                    + "float32 rounding). Default: batch norms stay BatchNormalization nodes, as in the source "
                    + "(Keras files are always read folded).")
    boolean foldBatchNorm;

    @Option(names = "--preprocess", paramLabel = "PRESET", converter = Converters.Preset.class,
            description = "Record in the file's metadata (key 'preprocess') how inputs are prepared: "
                    + "torchvision, inception, caffe or none. Default: nothing recorded.")
    Preprocess preprocess;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "Record the class names (one per line, or 'index name' lines) in the file's metadata "
                    + "(key 'labels', one name per line). Default: labels.txt beside the model when its count fits.")
    Path labels;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // Before the model is read: a typo in the output directory costs no import.
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + out + ": directory " + dir + " does not exist");
        }
        Graph graph = Models.load(model.file(), OnnxImporter.Options.DEFAULT.withFoldBatchNorm(false));
        if (foldBatchNorm) {
            graph = BatchNormFolding.fold(graph);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        if (preprocess != null) {
            metadata.put(OnnxExporter.PREPROCESS, preprocess.cliName());
        }
        Labels names = labels(graph);
        if (names != null) {
            metadata.put(OnnxExporter.LABELS, String.join("\n", names.names()));
        }
        long bytes = OnnxExporter.write(graph, out, metadata);

        long parameters = 0;
        for (var n : graph.nodes()) {
            parameters += n.layer().parameters().values().stream().mapToLong(INDArray::length).sum();
        }
        long batchNorms = graph.nodes().stream().filter(n -> n.layer() instanceof BatchNorm2d).count();
        PrintWriter o = spec.commandLine().getOut();
        o.println("model:  " + model.file());
        o.println("out:    " + out + " (ONNX opset " + OnnxExporter.OPSET + ", " + graph.nodes().size() + " nodes, "
                + String.format("%,d", parameters) + " parameters, " + String.format("%.1f MB", bytes / 1e6)
                + (batchNorms == 0 ? "" : ", " + batchNorms + " batch norms kept") + ")");
        if (!metadata.isEmpty()) {
            o.println("meta:   " + String.join(", ", metadata.keySet().stream()
                    .map(k -> k.equals(OnnxExporter.LABELS) ? k + " (" + names.size() + " names)" : k + " = " + metadata.get(k))
                    .toList()));
        }
        return 0;
    }

    /** --labels, checked against the class count; else labels.txt beside the model when it fits; else none. */
    private Labels labels(Graph graph) {
        long classes = classes(graph);
        if (labels != null) {
            Labels l = Labels.read(labels);
            if (classes > 0 && l.size() != classes) {
                throw new IllegalArgumentException(labels + " names " + l.size() + " classes but the model has " + classes + " outputs");
            }
            return l;
        }
        Path beside = model.file().toAbsolutePath().resolveSibling("labels.txt");
        if (classes > 0 && Files.isRegularFile(beside)) {
            try {
                Labels l = Labels.read(beside);
                return l.size() == classes ? l : null;
            } catch (IllegalArgumentException e) {
                return null; // not a labels file for this model
            }
        }
        return null;
    }

    /** Values per batch item of the first output, from the shape rules at batch 1; -1 when they cannot tell. */
    private static long classes(Graph graph) {
        if (graph.inputs().size() != 1 || graph.inputs().get(0).shape() == null) {
            return -1;
        }
        long[] s = graph.inputs().get(0).shape().clone();
        for (int d = 0; d < s.length; d++) {
            if (s[d] < 0 && d > 0) {
                return -1;
            }
            s[d] = Math.max(s[d], 1);
        }
        try {
            long[] y = graph.shapes(Map.of(graph.inputs().get(0).name(), s)).get(graph.outputs().get(0));
            if (y == null) {
                return -1;
            }
            long n = 1;
            for (int d = 1; d < y.length; d++) {
                n *= y[d];
            }
            return n;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
