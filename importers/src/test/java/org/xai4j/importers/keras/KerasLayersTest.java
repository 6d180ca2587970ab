package org.xai4j.importers.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Tape;
import org.xai4j.importers.ModelFormatException;
import org.xai4j.layers.Specialization;

/**
 * Small synthetic Keras models covering every supported layer and layout trap (even kernels and
 * strides under "same" padding, a Flatten of a multi-pixel image feeding a Dense, depthwise
 * multipliers, channel concatenation, Reshape in both directions), checked against
 * {@link NhwcReference}, TensorFlow's channels-last definitions computed in double.
 */
class KerasLayersTest {
    // float32 forward of O(1) values through ~15 layers against a double reference: a few ulps
    // of accumulated rounding, far below any layout mistake (which moves values by O(1)).
    private static final double TOL = 2e-5;

    @TempDir
    Path dir;

    @BeforeEach
    void seed() {
        Nd4j.getRandom().setSeed(20261122);
    }

    private static INDArray randn(long... shape) {
        return Nd4j.randn(DataType.FLOAT, shape);
    }

    private static INDArray positive(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).addi(0.5);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        assertArrayEquals(a.shape(), b.shape(), "shapes");
        return Transforms.abs(a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
    }

    @Test
    void functionalModelWithEveryLayoutTrapMatchesTheChannelsLastReference() {
        KerasFixture m = new KerasFixture();
        INDArray kA = randn(3, 2, 3, 6), bA = randn(6);
        INDArray kDw = randn(3, 3, 3, 2), bDw = randn(6);
        INDArray kSepDw = randn(3, 3, 6, 1), kSepPw = randn(1, 1, 6, 5), bSep = randn(5);
        INDArray kPw = randn(1, 1, 6, 3);
        INDArray gamma = positive(8), beta = randn(8), mean = randn(8), var = positive(8);
        INDArray k1 = randn(32, 7).muli(0.3), b1 = randn(7), k2 = randn(7, 3), b2 = randn(3);

        String in = m.input("image", 8, 8, 3);
        String a = m.layer("Conv2D", "conv_a", Map.of("filters", 6, "kernel_size", List.of(3, 2), "strides", List.of(2, 2),
                "padding", "same", "activation", "relu", "use_bias", true), Map.of("kernel", kA, "bias", bA), in);
        String p = m.layer("ZeroPadding2D", "pad", Map.of("padding", List.of(List.of(1, 0), List.of(0, 1))), Map.of(), in);
        String b = m.layer("DepthwiseConv2D", "dw", Map.of("kernel_size", 3, "strides", 2, "padding", "valid",
                "depth_multiplier", 2, "activation", "relu6", "use_bias", true), Map.of("depthwise_kernel", kDw, "bias", bDw), p);
        String s = m.layer("Add", "add", Map.of(), Map.of(), a, b);
        String d = m.layer("SeparableConv2D", "sep", Map.of("filters", 5, "kernel_size", 3, "padding", "same",
                "dilation_rate", 2, "depth_multiplier", 1, "activation", "linear", "use_bias", true),
                Map.of("depthwise_kernel", kSepDw, "pointwise_kernel", kSepPw, "bias", bSep), s);
        String e = m.layer("Conv2D", "pw", Map.of("filters", 3, "kernel_size", 1, "use_bias", false), Map.of("kernel", kPw), s);
        String cat = m.layer("Concatenate", "cat", Map.of("axis", -1), Map.of(), d, e);
        String bn = m.layer("BatchNormalization", "bn", Map.of("axis", List.of(3), "epsilon", 1e-3),
                Map.of("gamma", gamma, "beta", beta, "moving_mean", mean, "moving_variance", var), cat);
        String r = m.layer("ReLU", "relu", Map.of("max_value", 6.0, "negative_slope", 0.1, "threshold", 0.0), Map.of(), bn);
        String mp = m.layer("MaxPooling2D", "maxpool", Map.of("pool_size", 3, "strides", 2, "padding", "same"), Map.of(), r);
        String ap = m.layer("AveragePooling2D", "avgpool", Map.of("pool_size", 3, "strides", 2, "padding", "same"), Map.of(), r);
        String sum = m.layer("Add", "add2", Map.of(), Map.of(), mp, ap);
        String l = m.layer("LeakyReLU", "leaky", Map.of("alpha", 0.2), Map.of(), sum);
        String f = m.layer("Flatten", "flat", Map.of(), Map.of(), l);
        String drop = m.layer("Dropout", "drop", Map.of("rate", 0.5), Map.of(), f);
        String h = m.layer("Dense", "fc1", Map.of("units", 7, "activation", "tanh"), Map.of("kernel", k1, "bias", b1), drop);
        String o = m.layer("Dense", "fc2", Map.of("units", 3, "activation", "softmax"), Map.of("kernel", k2, "bias", b2), h);
        Graph g = KerasImporter.load(m.write(dir.resolve("branches.h5"), o));

        INDArray x = randn(2, 8, 8, 3);
        INDArray ra = NhwcReference.relu(NhwcReference.conv(x, kA, bA, 2, 1, true, 1), Double.POSITIVE_INFINITY, 0);
        INDArray rb = NhwcReference.relu(NhwcReference.depthwise(NhwcReference.zeroPad(x, 1, 0, 0, 1), kDw, bDw, 2, 1, false), 6, 0);
        INDArray rs = ra.add(rb);
        INDArray rcat = NhwcReference.concatChannels(
                NhwcReference.conv(NhwcReference.depthwise(rs, kSepDw, null, 1, 2, true), kSepPw, bSep, 1, 1, true, 1),
                NhwcReference.conv(rs, kPw, null, 1, 1, true, 1));
        INDArray rr = NhwcReference.relu(NhwcReference.batchNorm(rcat, gamma, beta, mean, var, 1e-3), 6, 0.1);
        INDArray rsum = NhwcReference.pool(rr, 3, 2, true, false).add(NhwcReference.pool(rr, 3, 2, true, true));
        INDArray rl = NhwcReference.relu(rsum, Double.POSITIVE_INFINITY, 0.2);
        INDArray rh = Transforms.tanh(NhwcReference.dense(NhwcReference.flatten(rl), k1, b1));
        INDArray logits = NhwcReference.dense(rh, k2, b2);

        assertArrayEquals(new long[] {-1, 3, 8, 8}, g.inputs().get(0).shape());
        try (Tape t = g.forward(NhwcReference.toNchw(x).castTo(DataType.FLOAT))) {
            assertTrue(maxAbsDiff(t.value("cat"), NhwcReference.toNchw(rcat)) < TOL, "cat");
            assertTrue(maxAbsDiff(t.value("relu"), NhwcReference.toNchw(rr)) < TOL, "relu");
            assertTrue(maxAbsDiff(t.value("fc1"), rh) < TOL, "fc1 after the flatten");
            assertTrue(maxAbsDiff(t.value("fc2.preact"), logits) < TOL, "logits");
            assertTrue(maxAbsDiff(t.output(), NhwcReference.softmaxRows(logits)) < TOL, "probabilities");
            assertEquals(t.value("flat"), t.value("drop"), "Dropout is an alias");
        }
        assertEquals("fc2", g.outputs().get(0));
        assertEquals("Conv2d", Specialization.reference(g.node("conv_a.preact").layer()).getClass().getSimpleName());
        assertEquals("ReLU", g.node("conv_a").layer().getClass().getSimpleName());
        assertEquals("Conv2d", Specialization.reference(g.node("sep.depthwise").layer()).getClass().getSimpleName());
        assertEquals("DepthwiseConv2d", g.node("sep.depthwise").layer().getClass().getSimpleName(), "the importer specializes");
    }

    /**
     * A Keras 2.1-style Sequential (config is the list of layers, no InputLayer) exercising an
     * even kernel under "same" padding, Dense on an image, Reshape both ways, and a ReLU threshold.
     */
    @Test
    void sequentialWithReshapesMatchesTheChannelsLastReference() throws IOException {
        INDArray kc = randn(2, 2, 2, 4), bc = randn(4), kd = randn(4, 3), bd = randn(3), ko = randn(3, 2), bo = randn(2);
        String config = """
                {"class_name": "Sequential", "config": [
                  {"class_name": "Conv2D", "config": {"name": "c", "batch_input_shape": [null, 4, 4, 2], "filters": 4,
                     "kernel_size": [2, 2], "strides": [1, 1], "padding": "same", "activation": "linear", "use_bias": true}},
                  {"class_name": "Dense", "config": {"name": "dimg", "units": 3, "activation": "relu", "use_bias": true}},
                  {"class_name": "Reshape", "config": {"name": "r1", "target_shape": [48]}},
                  {"class_name": "Reshape", "config": {"name": "r2", "target_shape": [4, 4, -1]}},
                  {"class_name": "GlobalMaxPooling2D", "config": {"name": "gmp"}},
                  {"class_name": "Reshape", "config": {"name": "r3", "target_shape": [1, 1, 3]}},
                  {"class_name": "Flatten", "config": {"name": "f"}},
                  {"class_name": "ReLU", "config": {"name": "thr", "max_value": null, "negative_slope": 0.0, "threshold": 0.2}},
                  {"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "linear", "use_bias": true}}]}""";
        Path file = dir.resolve("seq.h5");
        H5Writer.write(file, config, Map.of("c", Map.of("kernel", kc, "bias", bc), "dimg", Map.of("kernel", kd, "bias", bd),
                "out", Map.of("kernel", ko, "bias", bo)));
        Graph g = KerasImporter.load(file);

        INDArray x = randn(3, 4, 4, 2);
        INDArray rc = NhwcReference.conv(x, kc, bc, 1, 1, true, 1);
        INDArray rd = NhwcReference.relu(NhwcReference.conv(rc, kd.reshape(1, 1, 4, 3), bd, 1, 1, true, 1), Double.POSITIVE_INFINITY, 0);
        INDArray gmp = rd.max(1, 2);
        INDArray thr = gmp.mul(gmp.gt(0.2).castTo(DataType.DOUBLE));
        INDArray out = NhwcReference.dense(thr, ko, bo);

        assertEquals("c_input", g.inputs().get(0).name());
        try (Tape t = g.forward(NhwcReference.toNchw(x).castTo(DataType.FLOAT))) {
            assertTrue(maxAbsDiff(t.value("dimg"), NhwcReference.toNchw(rd)) < TOL, "Dense on an image");
            assertTrue(maxAbsDiff(t.value("r2"), NhwcReference.toNchw(rd)) < TOL, "reshaped back to the image");
            assertTrue(maxAbsDiff(t.output(), out) < TOL, "output");
        }
    }

    @Test
    void reshapeThatNeedsATransposeFailsLoudly() {
        KerasFixture m = new KerasFixture();
        String in = m.input("in", 2, 3, 4);
        String r = m.layer("Reshape", "to_rows", Map.of("target_shape", List.of(6, 1, 4)), Map.of(), in);
        Path f = m.write(dir.resolve("reshape.h5"), r);
        ModelFormatException e = org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class, () -> KerasImporter.load(f));
        assertTrue(e.getMessage().contains("'to_rows' (Reshape) reshapes [2, 3, 4] to [6, 1, 4]"), e.getMessage());
    }

    @Test
    void flattenedImageAsModelOutputFailsLoudly() throws IOException {
        KerasFixture m = new KerasFixture();
        String in = m.input("in", 2, 2, 3);
        String f = m.layer("Flatten", "features", Map.of(), Map.of(), in);
        Path file = m.write(dir.resolve("flat.h5"), f);
        ModelFormatException e = org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class, () -> KerasImporter.load(file));
        assertTrue(e.getMessage().contains("output 'features' is a flattened image"), e.getMessage());
        Files.delete(file);
    }
}
