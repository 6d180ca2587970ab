package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.xai4j.engine.io.Npy;
import org.xai4j.testing.Shared;

/** What the explain tests read back: JSON records (parsed strictly, so they must be valid JSON) and arrays. */
final class ExplainFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExplainFiles() {}

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** ../shared/oracle/index.json -> model. */
    static JsonNode oracle(String model) {
        return json(Shared.require("oracle/index.json")).get(model);
    }

    /** {@code max |actual - expected| / max |expected|}, after checking the shapes agree. */
    static double relativeError(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        INDArray e = expected.castTo(DataType.DOUBLE);
        double scale = e.amaxNumber().doubleValue();
        assertTrue(scale > 0, what + ": the reference is all zeros");
        return e.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
    }

    static INDArray npy(Path file) {
        assertTrue(Files.isRegularFile(file), file + " was written");
        return Npy.read(file);
    }

    /** An int32 .npy file's values (C order), header skipped. */
    static int[] ints(Path file) {
        try {
            byte[] all = java.nio.file.Files.readAllBytes(file);
            int header = 10 + ((all[8] & 0xff) | (all[9] & 0xff) << 8);
            assertTrue(new String(all, 10, header - 10, java.nio.charset.StandardCharsets.ISO_8859_1).contains("'<i4'"), "int32");
            int[] v = new int[(all.length - header) / 4];
            java.nio.ByteBuffer.wrap(all, header, all.length - header).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
            return v;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
