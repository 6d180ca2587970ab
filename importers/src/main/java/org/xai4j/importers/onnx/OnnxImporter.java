package org.xai4j.importers.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.ValueInfoProto;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.importers.FiniteWeights;
import org.xai4j.importers.ModelFormatException;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;

/**
 * Reads an ONNX model into an engine {@link Graph}. Each node is handed to the converter that
 * {@link OnnxOps#TABLE} keys by its {@code op_type}; nodes computable from constants alone are
 * folded at import; batch normalization is folded into the preceding convolution unless asked
 * otherwise, and then the faster layers take the place of the reference ones
 * ({@link Specialization#apply}; {@link Specialization#reference(Graph)} gives them back). Every value keeps its ONNX tensor name (a node's output is named by its output
 * tensor, e.g. {@code /layer4/layer4.1/relu_1/Relu_output_0}); ONNX node names are aliases.
 *
 * <p>Anything not understood (an operator, an attribute, a data type) fails with a one-line
 * {@link ModelFormatException} naming the file, the node and what is supported.
 */
public final class OnnxImporter {
    /**
     * The default-domain opsets whose operator semantics the converters follow. Before opset 7
     * some operators had attributes with other meanings (legacy broadcasting, consumed_inputs,
     * is_test); converters never read those, so such nodes are refused, not misread.
     */
    public static final int MIN_OPSET = 1;
    public static final int MAX_OPSET = 18;

    /** Import settings. {@code foldBatchNorm}: merge BatchNormalization into the preceding Conv. */
    public record Options(boolean foldBatchNorm) {
        public static final Options DEFAULT = new Options(true);

        public Options withFoldBatchNorm(boolean fold) {
            return new Options(fold);
        }
    }

    private OnnxImporter() {}

    public static Graph load(Path file) {
        return load(file, Options.DEFAULT);
    }

    public static Graph load(Path file, Options options) {
        ModelProto model = parse(file);
        GraphProto g = model.getGraph();
        int opset = opset(model, file);
        Map<String, INDArray> initializers = initializers(g, file);
        Conversion cx = new Conversion(file, graphInputs(g, initializers.keySet(), file));
        initializers.forEach(cx::putConstant);

        Map<String, String> unavailable = new HashMap<>();
        for (NodeProto proto : g.getNodeList()) {
            OnnxNode n = new OnnxNode(proto, opset, file);
            convert(n, cx, unavailable);
        }
        List<String> outputs = new ArrayList<>();
        for (ValueInfoProto out : g.getOutputList()) {
            String name = out.getName();
            if (unavailable.containsKey(name)) {
                throw new ModelFormatException(file + ": graph output '" + name + "' is " + unavailable.get(name));
            }
            outputs.add(cx.output(name));
        }
        List<Node> nodes = reachable(cx.nodes(), outputs);
        try {
            Graph graph = FiniteWeights.check(file, new Graph(cx.inputs(), nodes, outputs, aliases(g, nodes)));
            // After folding, so that a folded convolution gets its faster form too.
            return Specialization.apply(options.foldBatchNorm() ? BatchNormFolding.fold(graph) : graph);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static void convert(OnnxNode n, Conversion cx, Map<String, String> unavailable) {
        NodeProto proto = n.proto();
        String domain = proto.getDomain();
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            throw n.error("operators of domain '" + domain + "' are not supported (only the default ONNX domain is)");
        }
        for (String in : proto.getInputList()) {
            if (unavailable.containsKey(in)) {
                throw n.error("reads '" + in + "', which is " + unavailable.get(in));
            }
        }
        OnnxOps.Converter converter = OnnxOps.TABLE.get(n.op());
        if (converter == null) {
            throw n.error("operator " + n.op() + " is not supported; supported: " + String.join(", ", OnnxOps.TABLE.keySet()));
        }
        if (proto.getOutputCount() == 0 || proto.getOutput(0).isEmpty()) {
            throw n.error("the node has no output");
        }
        try {
            converter.convert(n, cx);
        } catch (IllegalArgumentException | ArithmeticException | OnnxTensors.Unsupported e) {
            // ArithmeticException: exact arithmetic on sizes the file declares (an overflow is its fault).
            throw n.error(e.getMessage());
        }
        List<String> unread = n.attributes().unread();
        if (!unread.isEmpty()) {
            throw n.error("attribute(s) " + unread + " are not supported");
        }
        for (int k = 1; k < proto.getOutputCount(); k++) {
            if (!proto.getOutput(k).isEmpty()) {
                unavailable.put(proto.getOutput(k), "output " + k + " of " + n.op() + " node '" + n.name()
                        + "', which is not supported (only the first output is computed at inference)");
            }
        }
    }

    private static ModelProto parse(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file + ": no such file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(file + ": is not an ONNX model or is truncated (" + e.getMessage() + ")", e);
        }
        if (!model.hasGraph() || model.getIrVersion() <= 0 || model.getGraph().getNodeCount() == 0) {
            throw new ModelFormatException(file + ": is not an ONNX model (no ir_version or no graph nodes)");
        }
        return model;
    }

    private static int opset(ModelProto model, Path file) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                long v = o.getVersion();
                if (v < MIN_OPSET || v > MAX_OPSET) {
                    throw new ModelFormatException(file + ": opset " + v + " is not supported (opsets " + MIN_OPSET + " to "
                            + MAX_OPSET + " are); re-export with e.g. opset_version=13");
                }
                return (int) v;
            }
        }
        throw new ModelFormatException(file + ": the model imports no default-domain opset");
    }

    private static Map<String, INDArray> initializers(GraphProto g, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        Map<String, INDArray> all = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            try {
                all.put(t.getName(), OnnxTensors.read(t, dir));
            } catch (OnnxTensors.Unsupported e) {
                throw new ModelFormatException(file + ": initializer '" + t.getName() + "': " + e.getMessage());
            }
        }
        if (g.getSparseInitializerCount() > 0) {
            throw new ModelFormatException(file + ": sparse initializers are not supported");
        }
        return all;
    }

    /** Graph inputs (initializers listed as inputs by older exporters are constants, not inputs). */
    private static List<Graph.Input> graphInputs(GraphProto g, Set<String> initializers, Path file) {
        List<Graph.Input> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (initializers.contains(v.getName())) {
                continue;
            }
            if (!v.getType().hasTensorType()) {
                throw new ModelFormatException(file + ": input '" + v.getName() + "' is not a tensor");
            }
            int elemType = v.getType().getTensorType().getElemType();
            if (elemType != TensorProto.DataType.FLOAT_VALUE) {
                throw new ModelFormatException(file + ": input '" + v.getName() + "' has element type "
                        + TensorProto.DataType.forNumber(elemType) + "; only float inputs are supported");
            }
            long[] shape = null;
            if (v.getType().getTensorType().hasShape()) {
                List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
                shape = new long[dims.size()];
                for (int d = 0; d < shape.length; d++) {
                    // A named (symbolic) or zero dimension is free: the batch axis, usually.
                    long value = dims.get(d).hasDimValue() ? dims.get(d).getDimValue() : 0;
                    shape[d] = value > 0 ? value : -1;
                }
            }
            inputs.add(new Graph.Input(v.getName(), shape));
        }
        return inputs;
    }

    /** The nodes the outputs depend on; dead branches of the file cost nothing at run time. */
    private static List<Node> reachable(List<Node> nodes, List<String> outputs) {
        Map<String, Node> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(outputs);
        while (!todo.isEmpty()) {
            String v = todo.pop();
            Node n = byName.get(v);
            if (n != null && seen.add(v)) {
                todo.addAll(n.inputs());
            }
        }
        return nodes.stream().filter(n -> seen.contains(n.name())).toList();
    }

    /** ONNX node name -> its first output tensor, where that output is a node of the graph. */
    private static Map<String, String> aliases(GraphProto g, List<Node> nodes) {
        Set<String> values = new HashSet<>();
        nodes.forEach(n -> values.add(n.name()));
        g.getInputList().forEach(i -> values.add(i.getName()));
        Map<String, String> aliases = new HashMap<>();
        Set<String> ambiguous = new HashSet<>();
        for (NodeProto p : g.getNodeList()) {
            String name = p.getName();
            if (name.isEmpty() || values.contains(name) || p.getOutputCount() == 0 || !values.contains(p.getOutput(0))) {
                continue;
            }
            if (aliases.put(name, p.getOutput(0)) != null) {
                ambiguous.add(name);
            }
        }
        ambiguous.forEach(aliases::remove);
        return aliases;
    }
}
