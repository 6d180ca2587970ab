package org.xai4j.importers.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;

/**
 * The ONNX graph being written: the graph proto, every name taken so far (values, nodes,
 * initializers, so that an initializer never shadows a value), the shapes the graph fixes, and
 * the builders of attributes and tensors that {@link ExportOps} uses.
 */
final class Emitter {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> taken = new HashSet<>();
    private final Map<String, long[]> shapes;

    Emitter(Graph g, Map<String, long[]> shapes) {
        g.inputs().forEach(i -> taken.add(i.name()));
        g.nodes().forEach(n -> taken.add(n.name()));
        this.shapes = shapes;
    }

    /** The shape of {@code n}'s first input at batch 1; null when the graph does not fix it. */
    long[] inputShape(Node n) {
        return n.inputs().isEmpty() ? null : shapes.get(n.inputs().get(0));
    }

    GraphProto.Builder graph() {
        return graph;
    }

    /** The ONNX node computing {@code n}: node name and output are n's name; inputs {@code inputs}, or n's when none are given. */
    NodeProto.Builder node(String op, Node n, String... inputs) {
        NodeProto.Builder p = graph.addNodeBuilder().setOpType(op).setName(n.name()).addOutput(n.name());
        p.addAllInput(inputs.length == 0 ? n.inputs() : Arrays.asList(inputs));
        return p;
    }

    /** A float32 initializer named {@code node.role} (made unique); its name. */
    String floats(Node n, String role, INDArray a) {
        String name = unique(n.name() + "." + role);
        graph.addInitializer(tensor(name, a.castTo(DataType.FLOAT)));
        return name;
    }

    String scalar(Node n, String role, double v) {
        return floats(n, role, Nd4j.scalar((float) v));
    }

    String longs(Node n, String role, long... v) {
        String name = unique(n.name() + "." + role);
        graph.addInitializer(tensor(name, Nd4j.createFromArray(v)));
        return name;
    }

    private String unique(String base) {
        String name = base;
        for (int k = 1; !taken.add(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }

    // ---- protobuf pieces ----

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto real(String name, double v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) v).build();
    }

    static AttributeProto text(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /** A float32 tensor in little-endian {@code raw_data} (float64 weights are rounded once); int64 for integer arrays. */
    static TensorProto tensor(String name, INDArray a) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name);
        for (long d : a.shape()) {
            t.addDims(d);
        }
        boolean integral = a.dataType().isIntType();
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(a.length() * (integral ? 8 : 4))).order(ByteOrder.LITTLE_ENDIAN);
        if (integral) {
            t.setDataType(TensorProto.DataType.INT64_VALUE);
            bytes.asLongBuffer().put(a.castTo(DataType.LONG).dup('c').data().asLong(), 0, (int) a.length());
        } else if (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE || a.dataType() == DataType.HALF) {
            t.setDataType(TensorProto.DataType.FLOAT_VALUE);
            bytes.asFloatBuffer().put(a.castTo(DataType.FLOAT).dup('c').data().asFloat(), 0, (int) a.length());
        } else {
            throw new IllegalArgumentException("tensor '" + name + "' has data type " + a.dataType() + "; float and integer tensors are exported");
        }
        return t.setRawData(ByteString.copyFrom(bytes.array())).build();
    }
}
