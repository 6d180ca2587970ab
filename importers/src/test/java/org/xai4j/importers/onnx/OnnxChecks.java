package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.ValueInfoProto;

/**
 * What {@code onnx.checker} checks of a graph's structure, for the files the exporter writes:
 * IR version and opset present; node names non-empty and unique; every value (input,
 * initializer, node output) defined once; every node input defined before the node that reads
 * it (the graph is in topological order, as ONNX requires); graph outputs defined; initializer
 * sizes equal to their dimensions.
 */
final class OnnxChecks {
    private OnnxChecks() {}

    static void check(ModelProto model) {
        assertTrue(model.getIrVersion() >= 3, "ir_version");
        assertEquals(1, model.getOpsetImportCount(), "one opset import");
        GraphProto g = model.getGraph();
        Set<String> defined = new HashSet<>();
        for (ValueInfoProto in : g.getInputList()) {
            assertTrue(defined.add(in.getName()), "input defined twice: " + in.getName());
        }
        for (TensorProto t : g.getInitializerList()) {
            assertTrue(defined.add(t.getName()), "initializer name taken: " + t.getName());
            long count = t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
            int width = t.getDataType() == TensorProto.DataType.INT64_VALUE ? 8 : 4;
            assertEquals(count * width, t.getRawData().size(), "raw_data size of " + t.getName());
        }
        Set<String> nodeNames = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            assertFalse(n.getName().isEmpty(), "a node without a name: " + n);
            assertTrue(nodeNames.add(n.getName()), "node name used twice: " + n.getName());
            for (String in : n.getInputList()) {
                assertTrue(in.isEmpty() || defined.contains(in), "node '" + n.getName() + "' reads '" + in + "' before it is defined");
            }
            for (String out : n.getOutputList()) {
                assertTrue(defined.add(out), "value defined twice: " + out);
            }
        }
        for (ValueInfoProto out : g.getOutputList()) {
            assertTrue(defined.contains(out.getName()), "graph output not defined: " + out.getName());
        }
    }
}
