package org.xai4j.importers.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.xai4j.testing.Shared;

/** Reading the shared fixtures: .npy arrays, the oracle index, and the error measure used throughout. */
final class Fixtures {
    private Fixtures() {}

    static INDArray npy(String relative) {
        return Nd4j.createFromNpyFile(Shared.require(relative).toFile()).castTo(DataType.FLOAT);
    }

    static JsonNode oracleIndex() {
        Path index = Shared.require("oracle/index.json");
        try {
            return new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** max |actual - expected| / max |expected|, in double: the oracle README's measure. */
    static double rel(INDArray actual, INDArray expected) {
        if (!java.util.Arrays.equals(actual.shape(), expected.shape())) {
            throw new AssertionError("shape " + java.util.Arrays.toString(actual.shape()) + " != expected "
                    + java.util.Arrays.toString(expected.shape()));
        }
        INDArray a = actual.castTo(DataType.DOUBLE);
        INDArray e = expected.castTo(DataType.DOUBLE);
        double diff = Transforms.abs(a.sub(e), false).maxNumber().doubleValue();
        double ref = Transforms.abs(e, true).maxNumber().doubleValue();
        return ref == 0 ? diff : diff / ref;
    }
}
