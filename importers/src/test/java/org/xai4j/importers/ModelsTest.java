package org.xai4j.importers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.importers.onnx.OnnxImporter;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.testing.Shared;

/** Models.load picks the importer from the file's first bytes, whatever the file is called. */
class ModelsTest {
    @TempDir
    Path dir;

    @Test
    void formatIsToldByContentNotByName() throws IOException {
        Path h5 = Shared.require("assets/models/mobilenet_v1_0.75_224_imagenet.h5");
        Path onnx = Shared.require("assets/models/mobilenet_v1_0.75_224_imagenet.onnx");
        assertTrue(Models.isHdf5(h5));
        assertFalse(Models.isHdf5(onnx));
        Path renamed = Files.copy(onnx, dir.resolve("model.h5"));
        assertEquals("input", Models.load(renamed).inputs().get(0).name());
    }

    @Test
    void hdf5FilesGoToTheKerasImporter() {
        var graph = Models.load(Shared.require("assets/models/mobilenet_v1_0.75_224_imagenet.h5"));
        assertEquals("conv_pw_13_relu", graph.node("conv_pw_13_relu").name());
    }

    @Test
    void onnxOptionsReachTheOnnxImporterOnly() {
        Path onnx = Shared.require("assets/models/mobilenet_v1_0.75_224_imagenet.onnx");
        OnnxImporter.Options keep = OnnxImporter.Options.DEFAULT.withFoldBatchNorm(false);
        // MobileNet v1's ONNX file keeps its batch norms; folding (the default) removes every one.
        assertTrue(batchNorms(Models.load(onnx, keep)) > 0);
        assertEquals(0, batchNorms(Models.load(onnx)));
        Path h5 = Shared.require("assets/models/mobilenet_v1_0.75_224_imagenet.h5");
        assertEquals(0, batchNorms(Models.load(h5, keep)), "Keras files are always folded");
    }

    private static long batchNorms(Graph g) {
        return g.nodes().stream().filter(n -> n.layer() instanceof BatchNorm2d).count();
    }

    /** A service reads its model from the class path: bytes and streams load like the file. */
    @Test
    void bytesAndStreamsLoadLikeTheFile() throws IOException {
        for (String model : new String[] {"oracle/tiny/tiny.op13_bn.onnx", "assets/models/mobilenet_v1_0.75_224_imagenet.h5"}) {
            Path file = Shared.require(model);
            Graph fromFile = Models.load(file);
            long[] shape = fromFile.inputs().get(0).shape().clone();
            shape[0] = 1;
            INDArray x = Nd4j.rand(DataType.FLOAT, shape);
            INDArray expected = fromFile.predict(x);
            assertEquals(expected, Models.load(Files.readAllBytes(file), model).predict(x), model + " from bytes");
            try (InputStream in = Files.newInputStream(file)) {
                assertEquals(expected, Models.load(in, model).predict(x), model + " from a stream");
            }
        }
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> Models.load(new byte[] {1, 2, 3}, "resource.onnx"));
        assertTrue(e.getMessage().startsWith("resource.onnx"), "errors name what the caller called it: " + e.getMessage());
    }

    @Test
    void directoryIsNotAModel() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Models.load(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }
}
