package org.xai4j.importers.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.importers.ModelFormatException;
import org.xai4j.testing.Shared;

/** Bad inputs fail with one line naming the file, the layer and what is supported. */
class KerasErrorsTest {
    @TempDir
    Path dir;

    private static ModelFormatException failure(Path file) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> KerasImporter.load(file));
        System.out.println("[keras error] " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void missingFile() {
        assertTrue(failure(dir.resolve("absent.h5")).getMessage().contains("no such file"));
    }

    @Test
    void notHdf5() throws IOException {
        Path f = Files.writeString(dir.resolve("model.h5"), "{\"class_name\": \"Sequential\"}");
        assertTrue(failure(f).getMessage().contains("not an HDF5 file"));
    }

    /** The first megabyte of a real model: HDF5 notices the missing end of file. */
    @Test
    void truncatedFile() throws IOException {
        Path real = Shared.require("assets/models/mobilenet_v2_1.0_224_imagenet.h5");
        Path f = dir.resolve("truncated.h5");
        try (InputStream in = Files.newInputStream(real); OutputStream out = Files.newOutputStream(f)) {
            out.write(in.readNBytes(1 << 20));
        }
        String m = failure(f).getMessage();
        assertTrue(m.contains("truncated or corrupt") && m.contains("1048576 bytes"), m);
    }

    @Test
    void weightsOnlyFile() {
        Path f = dir.resolve("weights.h5");
        H5Writer.write(f, null, Map.of("dense", Map.of("kernel", Nd4j.ones(DataType.FLOAT, 4, 2))));
        String m = failure(f).getMessage();
        assertTrue(m.contains("no model_config") && m.contains("weights only") && m.contains("model.save"), m);
    }

    @Test
    void unsupportedLayer() {
        Path f = dir.resolve("lstm.h5");
        String config = """
                {"class_name": "Sequential", "config": {"name": "seq", "layers": [
                  {"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 5, 4]}},
                  {"class_name": "LSTM", "config": {"name": "lstm_7", "units": 3}}]}}""";
        H5Writer.write(f, config, Map.of());
        String m = failure(f).getMessage();
        assertTrue(m.contains("'lstm_7' (LSTM) is not supported") && m.contains("Conv2D") && m.contains("Dense"), m);
    }

    @Test
    void unsupportedSetting() {
        Path f = dir.resolve("elu.h5");
        String config = """
                {"class_name": "Sequential", "config": {"name": "seq", "layers": [
                  {"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4]}},
                  {"class_name": "Activation", "config": {"name": "act", "activation": "elu"}}]}}""";
        H5Writer.write(f, config, Map.of());
        assertEquals(f + ": Keras layer 'act' (Activation) has activation 'elu'; supported: linear, relu, relu6, sigmoid, "
                + "softmax, tanh", failure(f).getMessage());
    }

    @Test
    void weightOfTheWrongShape() {
        Path f = dir.resolve("dense.h5");
        String config = """
                {"class_name": "Sequential", "config": {"name": "seq", "layers": [
                  {"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4]}},
                  {"class_name": "Dense", "config": {"name": "fc", "units": 2, "use_bias": false}}]}}""";
        H5Writer.write(f, config, Map.of("fc", Map.of("kernel", Nd4j.ones(DataType.FLOAT, 3, 2))));
        assertEquals(f + ": Keras layer 'fc' (Dense) has weight 'kernel' of shape [3, 2], expected [4, 2]", failure(f).getMessage());
    }
}
