package org.xai4j.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Npy;
import org.xai4j.importers.Models;
import org.xai4j.importers.onnx.OnnxImporter;
import org.xai4j.layers.Float64;

/**
 * One model of the PyTorch oracle ({@code ../shared/oracle/<name>/}, see its README): the graph
 * from {@code <name>.op13_bn.onnx}, {@code input.npy}, the class to explain from
 * {@code index.json} and index.json's notes on the model ({@code meta}).
 */
record OracleModel(String name, Path file, Graph graph, INDArray x, int targetClass, JsonNode meta) {

    /**
     * Float32 (the default) is the model as users run it; rounding then flips kinks along the
     * path, which on mobilenet_v2 moves sum(IG) by about 2% of f(x) - f(0) (the check line
     * prints it against PyTorch's float64 sums). In float64 the gap is quadrature
     * error alone: the file's float32 weights are used exactly, batch norm kept as layers
     * (folding would round the merged weights to float32 again); it costs about 4x the time.
     */
    static OracleModel load(String name, JsonNode index, boolean float64) {
        JsonNode entry = index.path(name);
        if (!entry.has("target_class")) {
            throw new IllegalArgumentException("index.json has no model '" + name + "'; it has " + fieldNames(index));
        }
        Path file = file(name + "/" + name + ".op13_bn.onnx");
        Graph graph = float64 ? Float64.copyOf(OnnxImporter.load(file, OnnxImporter.Options.DEFAULT.withFoldBatchNorm(false)))
                : Models.load(file);
        INDArray x = Npy.read(file(name + "/input.npy"));
        return new OracleModel(name, file, graph, float64 ? x.castTo(DataType.DOUBLE) : x,
                entry.path("target_class").asInt(), entry.path("meta"));
    }

    /** {@code relative} under the shared directory's {@code oracle/} ({@link SharedFiles}). */
    static Path file(String relative) {
        return SharedFiles.file("oracle/" + relative);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("_")) {
                names.add(n);
            }
        });
        return names;
    }
}
