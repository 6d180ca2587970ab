package org.xai4j.benchmarks;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * The benchmark models: the zoo architectures with seeded random weights, batch norm folded
 * into the convolutions and the faster layers in place ({@code Specialization}), as an imported
 * model runs (PyTorch's anchors also use random weights).
 */
final class Models {
    static final long SEED = 42;

    private Models() {}

    /** A zoo model by name, or a model file ({@code .onnx} or {@code .h5}) by its path. */
    static Graph build(String name) {
        if (name.endsWith(".onnx") || name.endsWith(".h5")) {
            return org.xai4j.importers.Models.load(java.nio.file.Path.of(name));
        }
        Graph g = switch (name) {
            case "resnet18" -> ResNet.resnet18(SEED);
            case "resnet50" -> ResNet.resnet50(SEED);
            case "mobilenet_v2" -> MobileNet.v2(SEED);
            case "mobilenet_v1" -> MobileNet.v1(SEED, 1.0);
            default -> throw new IllegalArgumentException("unknown benchmark model '" + name
                    + "'; known: resnet18, resnet50, mobilenet_v2, mobilenet_v1, or the path of an .onnx or .h5 file");
        };
        return Specialization.apply(BatchNormFolding.fold(g));
    }

    /** A seeded standard-normal NCHW batch at 224 x 224. */
    static INDArray input(int batch) {
        Nd4j.getRandom().setSeed(SEED);
        return Nd4j.randn(DataType.FLOAT, batch, 3, 224, 224);
    }

    /** Grad-CAM's usual layer per model: the output of the last convolutional stage. */
    static String lastStage(String name) {
        return switch (name) {
            case "resnet18", "resnet50" -> "layer4";
            case "mobilenet_v2" -> "features.18";
            default -> throw new IllegalArgumentException(name);
        };
    }
}
