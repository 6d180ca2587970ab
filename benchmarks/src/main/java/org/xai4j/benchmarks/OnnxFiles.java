package org.xai4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.xai4j.importers.onnx.OnnxExporter;
import org.xai4j.layers.zoo.ResNet;

/**
 * The ONNX files the side-by-side perturbation benchmarks give both xai4j and ONNX Runtime, as
 * temporary copies (deleted when the JVM exits):
 * <pre>
 *   resnet18      ../shared/oracle/resnet18/resnet18.op13_bn.onnx
 *   mobilenet_v2  ../shared/assets/models/mobilenet_v2_1.0_224_imagenet.onnx
 *   resnet50      the zoo's ResNet-50 (seed {@value Models#SEED}) written by OnnxExporter
 *   *.onnx        that file
 * </pre>
 * Every copy has a free batch axis: the shared files fix it at 1, which would make both sides
 * run the perturbed copies one at a time instead of in batches.
 */
final class OnnxFiles {
    private OnnxFiles() {}

    /** The file for a benchmark model name, batch axis free. */
    static Path of(String model) {
        return switch (model) {
            case "resnet18" -> batchFree(SharedFiles.file("oracle/resnet18/resnet18.op13_bn.onnx"));
            case "mobilenet_v2" -> batchFree(SharedFiles.file("assets/models/mobilenet_v2_1.0_224_imagenet.onnx"));
            case "resnet50" -> {
                Path file = temporary();
                // Batch norm stays in the file, as in a PyTorch export; both runtimes fold it on loading.
                OnnxExporter.write(ResNet.resnet50(Models.SEED), file, Map.of(OnnxExporter.PREPROCESS, "none"));
                yield batchFree(file);
            }
            default -> {
                if (!model.endsWith(".onnx")) {
                    throw new IllegalArgumentException("unknown side-by-side model '" + model
                            + "'; known: resnet18, resnet50, mobilenet_v2, or the path of an .onnx file");
                }
                yield batchFree(Path.of(model));
            }
        };
    }

    /** A copy of {@code file} whose first input and every output have a symbolic first dimension {@code N}. */
    static Path batchFree(Path file) {
        ModelProto model = read(file);
        GraphProto.Builder g = model.getGraph().toBuilder();
        if (g.getInputCount() == 0) {
            throw new IllegalArgumentException(file + ": the graph has no input");
        }
        g.setInput(0, freeBatch(g.getInput(0)));
        for (int i = 0; i < g.getOutputCount(); i++) {
            g.setOutput(i, freeBatch(g.getOutput(i)));
        }
        // Shapes recorded for intermediate values would still say batch 1; both runtimes infer them.
        g.clearValueInfo();
        return write(model.toBuilder().setGraph(g).build());
    }

    /**
     * A copy of {@code file} that also outputs the value {@code name} (float, shape left to the
     * runtime): ONNX Runtime returns only graph outputs, and Score-CAM needs the feature maps.
     */
    static Path withOutput(Path file, String name) {
        ModelProto model = read(file);
        boolean produced = false;
        for (NodeProto n : model.getGraph().getNodeList()) {
            produced |= n.getOutputList().contains(name);
        }
        if (!produced) {
            throw new IllegalArgumentException(file + ": no node outputs '" + name + "', so ONNX Runtime cannot return it");
        }
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE);
        ValueInfoProto out = ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
        return write(model.toBuilder().setGraph(model.getGraph().toBuilder().addOutput(out)).build());
    }

    private static ValueInfoProto freeBatch(ValueInfoProto v) {
        if (!v.getType().getTensorType().hasShape() || v.getType().getTensorType().getShape().getDimCount() == 0) {
            return v;
        }
        ValueInfoProto.Builder b = v.toBuilder();
        TensorShapeProto.Builder shape = b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
        shape.setDim(0, TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        return b.build();
    }

    private static ModelProto read(Path file) {
        try {
            return ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be read as an ONNX model (" + e.getMessage() + ")", e);
        }
    }

    private static Path write(ModelProto model) {
        Path file = temporary();
        try {
            Files.write(file, model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be written (" + e.getMessage() + ")", e);
        }
        return file;
    }

    private static Path temporary() {
        try {
            Path file = Files.createTempFile("xai4j-side-by-side-", ".onnx");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary ONNX file (" + e.getMessage() + ")", e);
        }
    }
}
