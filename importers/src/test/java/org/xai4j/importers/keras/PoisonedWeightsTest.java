package org.xai4j.importers.keras;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.importers.ModelFormatException;

/** NaN or infinite weights and impossible batch-norm statistics are refused at import, naming file, layer and weight. */
class PoisonedWeightsTest {
    @TempDir
    Path dir;

    private Path model(String name, INDArray kernel, INDArray var, double eps) {
        KerasFixture m = new KerasFixture();
        String in = m.input("image", 4, 4, 3);
        String c = m.layer("Conv2D", "conv", Map.of("filters", 2, "kernel_size", 1, "use_bias", false), Map.of("kernel", kernel), in);
        INDArray one = Nd4j.ones(DataType.FLOAT, 2);
        String bn = m.layer("BatchNormalization", "bn", Map.of("axis", List.of(3), "epsilon", eps),
                Map.of("gamma", one, "beta", one, "moving_mean", one, "moving_variance", var), c);
        return m.write(dir.resolve(name), bn);
    }

    private static void refused(Path file, String... parts) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> KerasImporter.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage() + " should mention " + p);
        }
    }

    @Test
    void nonFiniteWeightsAndBadStatistics() {
        INDArray kernel = Nd4j.ones(DataType.FLOAT, 1, 1, 3, 2);
        INDArray var = Nd4j.ones(DataType.FLOAT, 2);
        KerasImporter.load(model("fine.h5", kernel, var, 1e-3));
        INDArray nan = kernel.dup();
        nan.putScalar(new long[] {0, 0, 1, 1}, Float.NaN);
        refused(model("nan.h5", nan, var, 1e-3), "node 'conv'", "weight", "1 NaN of 6 values");
        INDArray inf = kernel.dup();
        inf.putScalar(new long[] {0, 0, 0, 0}, Float.NEGATIVE_INFINITY);
        refused(model("inf.h5", inf, var, 1e-3), "node 'conv'", "1 infinite of 6 values");
        refused(model("var.h5", kernel, Nd4j.createFromArray(1f, -2f), 1e-3), "layer 'bn'", "variance of channel 1 is -2.0");
        refused(model("eps.h5", kernel, var, -1e-3), "layer 'bn'", "epsilon is -0.001");
    }

    /** Dataset sizes are read from the dataspace and checked before Hdf5Archive allocates them. */
    @Test
    void aDatasetOverTheBudgetIsRefusedBeforeReading() {
        Path f = model("sizes.h5", Nd4j.ones(DataType.FLOAT, 1, 1, 3, 2), Nd4j.ones(DataType.FLOAT, 2), 1e-3);
        System.setProperty("xai4j.memoryBudget", "20");
        try {
            // The kernel is 6 floats, 24 bytes: over a 20-byte budget.
            refused(f, "weight model_weights/conv/conv/kernel:0", "[1, 1, 3, 2]", "memory budget");
        } finally {
            System.clearProperty("xai4j.memoryBudget");
        }
    }
}
