package org.xai4j.importers.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;

/**
 * Writes an engine {@link Graph} as an ONNX model (opset {@value #OPSET}, IR version
 * {@value #IR_VERSION}), so that a model built or trained by xai4j runs in ONNX Runtime,
 * PyTorch's importers or Netron. Every node becomes one ONNX node (two for the rare layer that
 * needs it) whose node name and output tensor name are the xai4j node name, so the layer names
 * explainers use (a Grad-CAM layer) survive the round trip through {@link OnnxImporter}.
 * Weights are float32 initializers in {@code raw_data}; a free input dimension (-1) is written
 * symbolic ({@code N} for the batch). {@link ExportOps} holds the table of layers.
 *
 * <p>{@code metadata} goes into the model's {@code metadata_props}: by convention
 * {@value #PREPROCESS} (a preset name, e.g. {@code inception}) and {@value #LABELS} (the class
 * names, one per line), so that the file says how to feed it and how to read its output.
 */
public final class OnnxExporter {
    /** Opset 13: the one the PyTorch fixtures use, read by every ONNX Runtime since 1.6. */
    public static final int OPSET = 13;
    /** IR version 7 goes with opset 13 (ONNX 1.8); newer runtimes read older IR versions. */
    public static final int IR_VERSION = 7;
    /** Float32 weights that fit a protobuf message (2 GiB) with 1 MiB to spare for the graph's structure. */
    static final long MAX_WEIGHTS = (Integer.MAX_VALUE - (1L << 20)) / Float.BYTES;
    /** The metadata key for the preprocessing preset the model expects. */
    public static final String PREPROCESS = org.xai4j.importers.ModelMetadata.PREPROCESS_KEY;
    /** The metadata key for the class names, one per line in output order. */
    public static final String LABELS = org.xai4j.importers.ModelMetadata.LABELS_KEY;

    private OnnxExporter() {}

    /** The model as an ONNX {@code ModelProto}; a one-line error naming the node for a layer ONNX cannot express. */
    public static ModelProto export(Graph graph, Map<String, String> metadata) {
        checkSize(graph, MAX_WEIGHTS);
        Map<String, long[]> atOne = shapes(graph, 1);
        Emitter out = new Emitter(graph, atOne);
        for (Graph.Input in : graph.inputs()) {
            out.graph().addInput(valueInfo(in.name(), in.shape()));
        }
        for (Node n : graph.nodes()) {
            ExportOps.write(n, out);
        }
        Map<String, long[]> shapes = outputShapes(graph, atOne, shapes(graph, 2));
        for (String o : graph.outputs()) {
            out.graph().addOutput(valueInfo(o, shapes.get(o)));
        }
        out.graph().setName("xai4j");
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("xai4j")
                .setProducerVersion(version())
                .setDocString("Written by xai4j " + version() + " from a graph of " + graph.nodes().size() + " nodes"
                        + (metadata.containsKey(PREPROCESS) ? "; input preprocessing: " + metadata.get(PREPROCESS) : ""))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(out.graph());
        metadata.forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }

    /**
     * A protobuf message holds at most 2 GiB; refused before any weight is copied. (ONNX keeps
     * larger weights in external data files, which this exporter does not write.)
     */
    static void checkSize(Graph graph, long maxWeights) {
        long values = 0;
        for (Node n : graph.nodes()) {
            for (var p : n.layer().parameters().values()) {
                values += p.length();
            }
        }
        if (values > maxWeights) {
            throw new IllegalArgumentException("the graph holds " + values + " weights, " + String.format("%.1f", values * 4.0 / (1 << 30))
                    + " GiB as float32; an ONNX file holds at most 2 GiB (larger models keep weights in external data files, "
                    + "which the export does not write)");
        }
    }

    /** The serialized model, as {@link #export} builds it. */
    public static byte[] toBytes(Graph graph, Map<String, String> metadata) {
        return export(graph, metadata).toByteArray();
    }

    /** Writes the model to {@code file}; the number of bytes written. */
    public static long write(Graph graph, Path file, Map<String, String> metadata) {
        byte[] bytes = toBytes(graph, metadata);
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be written (" + e + ")", e);
        }
        return bytes.length;
    }

    /**
     * The shape of every value with free batch dimensions set to {@code batch}, from the layers'
     * shape rules; empty when an input has no shape or another free dimension, or the rules refuse.
     */
    private static Map<String, long[]> shapes(Graph graph, long batch) {
        Map<String, long[]> inputs = new HashMap<>();
        for (Graph.Input in : graph.inputs()) {
            long[] s = in.shape() == null ? null : in.shape().clone();
            for (int d = 0; s != null && d < s.length; d++) {
                if (s[d] < 0 && d > 0) {
                    return Map.of();
                }
                s[d] = s[d] < 0 ? batch : s[d];
            }
            if (s == null) {
                return Map.of();
            }
            inputs.put(in.name(), s);
        }
        try {
            return graph.shapes(inputs);
        } catch (RuntimeException e) {
            // A graph whose shapes the rules refuse fails when run, not when written.
            return Map.of();
        }
    }

    /**
     * Output shapes from batch 1 and batch 2: a dimension that differs follows the batch and is
     * written symbolic. Absent where a layer cannot tell (ONNX allows an output without a shape).
     */
    private static Map<String, long[]> outputShapes(Graph graph, Map<String, long[]> one, Map<String, long[]> two) {
        Map<String, long[]> shapes = new HashMap<>();
        for (String o : graph.outputs()) {
            long[] p = one.get(o);
            long[] q = two.get(o);
            if (p != null && q != null && p.length == q.length) {
                long[] s = p.clone();
                for (int d = 0; d < s.length; d++) {
                    s[d] = p[d] == q[d] ? p[d] : -1;
                }
                shapes.put(o, s);
            }
        }
        return shapes;
    }

    /** A float tensor value; a dimension of -1 is symbolic: "N" at position 0, else "d1", "d2", .... */
    private static ValueInfoProto valueInfo(String name, long[] shape) {
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE);
        if (shape != null) {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (int d = 0; d < shape.length; d++) {
                TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
                s.addDim(shape[d] >= 0 ? dim.setDimValue(shape[d]) : dim.setDimParam(d == 0 ? "N" : "d" + d));
            }
            t.setShape(s);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }

    /** xai4j's version, from the build ("unknown" when run from classes without the resource). */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = OnnxExporter.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("xai4j", "unknown");
    }

    /** The layer types the exporter writes, by simple class name. */
    public static List<String> supported() {
        return new ArrayList<>(ExportOps.supported());
    }
}
