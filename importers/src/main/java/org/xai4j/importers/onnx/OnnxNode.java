package org.xai4j.importers.onnx;

import java.nio.file.Path;
import onnx.Onnx.NodeProto;
import org.xai4j.importers.ModelFormatException;

/**
 * One ONNX node as a converter sees it: its inputs and outputs by tensor name, its attributes,
 * the opset version in force (several operators moved attributes to inputs over the versions),
 * and a way to fail with a one-line message that names the file, the node and the operator.
 */
record OnnxNode(NodeProto proto, Attributes attributes, int opset, Path file) {

    OnnxNode(NodeProto proto, int opset, Path file) {
        this(proto, new Attributes(proto.getAttributeList()), opset, file);
    }

    String op() {
        return proto.getOpType();
    }

    /** The node's name, or its first output when the file leaves nodes unnamed. */
    String name() {
        return proto.getName().isEmpty() ? output() : proto.getName();
    }

    /** Whether optional input {@code i} is given (ONNX marks a skipped optional input by ""). */
    boolean hasInput(int i) {
        return i < proto.getInputCount() && !proto.getInput(i).isEmpty();
    }

    String input(int i) {
        if (!hasInput(i)) {
            throw error("input " + i + " is missing");
        }
        return proto.getInput(i);
    }

    int inputCount() {
        return proto.getInputCount();
    }

    String output() {
        return proto.getOutput(0);
    }

    ModelFormatException error(String problem) {
        return new ModelFormatException(file + ": node '" + name() + "' (" + op() + ", opset " + opset + "): " + problem);
    }
}
