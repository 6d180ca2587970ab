package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xai4j.importers.onnx.OnnxModels.floats;
import static org.xai4j.importers.onnx.OnnxModels.integer;
import static org.xai4j.importers.onnx.OnnxModels.ints;
import static org.xai4j.importers.onnx.OnnxModels.longs;
import static org.xai4j.importers.onnx.OnnxModels.model;
import static org.xai4j.importers.onnx.OnnxModels.node;
import static org.xai4j.importers.onnx.OnnxModels.string;
import static org.xai4j.importers.onnx.OnnxModels.value;
import static org.xai4j.importers.onnx.OnnxModels.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.ModelProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.importers.ModelFormatException;
import org.xai4j.importers.Models;
import org.xai4j.layers.Linear;
import org.xai4j.layers.Reshape;
import org.xai4j.layers.SparseSeedLinear;
import org.xai4j.testing.Shared;

/** Converters on small models written in code, folding of shape arithmetic, names, and failures. */
class OnnxImporterTest {
    @TempDir
    Path dir;

    private Graph load(ModelProto m) {
        return OnnxImporter.load(write(dir, "m.onnx", m));
    }

    private static INDArray random(long... shape) {
        Nd4j.getRandom().setSeed(7);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    // ---- failures: one line naming the file and what is wrong ----

    @Test
    void missingFile() {
        Path missing = dir.resolve("nothing.onnx");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Models.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] all = Files.readAllBytes(Shared.require("oracle/tiny/tiny.op13_bn.onnx"));
        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Models.load(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    @Test
    void notAnOnnxFile() throws IOException {
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "this is not a model, just some text\n");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Models.load(text));
        assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
    }

    @Test
    void hdf5GoesToTheKerasImporter() throws IOException {
        Path h5 = dir.resolve("weights.h5");
        byte[] head = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
        Files.write(h5, head);
        // Whatever the Keras importer makes of a bare signature, it must not be parsed as ONNX.
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Models.load(h5));
        assertTrue(e.getMessage().contains(h5.toString()) && !e.getMessage().contains("not an ONNX model"), e.getMessage());
    }

    @Test
    void unsupportedOperatorNamesOpNodeFileAndTheSupportedOnes() {
        ModelProto m = model(13, List.of(value("x", 1, 4)), List.of(),
                List.of(node("Erf", List.of("x"), List.of("y"))), List.of(value("y", 1, 4)));
        Path file = write(dir, "erf.onnx", m);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Models.load(file));
        String msg = e.getMessage();
        assertTrue(msg.contains(file.toString()) && msg.contains("'/Erf_y'") && msg.contains("operator Erf is not supported")
                && msg.contains("supported: ") && msg.contains("Conv") && msg.contains("GlobalAveragePool"), msg);
    }

    @Test
    void unsupportedAttributeValueIsRefused() {
        ModelProto m = model(13, List.of(value("x", 1, 1, 4, 4)), List.of(longs("pads", new long[] {8}, 0, 0, 1, 1, 0, 0, 1, 1)),
                List.of(node("Pad", List.of("x", "pads"), List.of("y"), string("mode", "reflect"))), List.of(value("y", 1, 1, 6, 6)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(m));
        assertTrue(e.getMessage().contains("mode 'reflect' is not supported"), e.getMessage());
    }

    @Test
    void unknownAttributeIsRefusedNotIgnored() {
        ModelProto m = model(13, List.of(value("x", 1, 4)), List.of(),
                List.of(node("Relu", List.of("x"), List.of("y"), integer("inplace", 1))), List.of(value("y", 1, 4)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(m));
        assertTrue(e.getMessage().contains("[inplace]"), e.getMessage());
    }

    @Test
    void computedWeightIsRefused() {
        ModelProto m = model(13, List.of(value("x", 1, 4), value("w", 3, 4)), List.of(),
                List.of(node("Gemm", List.of("x", "w"), List.of("y"), integer("transB", 1))), List.of(value("y", 1, 3)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(m));
        assertTrue(e.getMessage().contains("must be a constant"), e.getMessage());
    }

    @Test
    void opsetOutsideTheSupportedRange() {
        ModelProto m = model(19, List.of(value("x", 1, 4)), List.of(),
                List.of(node("Relu", List.of("x"), List.of("y"))), List.of(value("y", 1, 4)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(m));
        assertTrue(e.getMessage().contains("opset 19 is not supported"), e.getMessage());
    }

    /** Opset 6's Add broadcast along a given axis, unlike NumPy: such a node is refused, not misread. */
    @Test
    void legacyBroadcastIsRefused() {
        ModelProto m = model(6, List.of(value("x", 1, 3, 2, 2)), List.of(floats("b", new long[] {3}, 1, 2, 3)),
                List.of(node("Add", List.of("x", "b"), List.of("y"), integer("broadcast", 1), integer("axis", 1))),
                List.of(value("y", 1, 3, 2, 2)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(m));
        assertTrue(e.getMessage().contains("[broadcast, axis] are not supported"), e.getMessage());
    }

    @Test
    void secondOutputsAreRefusedWhenRead() {
        ModelProto m = model(13, List.of(value("x", 1, 1, 4, 4)), List.of(),
                List.of(node("MaxPool", List.of("x"), List.of("y", "indices"), ints("kernel_shape", 2, 2)),
                        node("Relu", List.of("indices"), List.of("z"))), List.of(value("z", 1, 1, 2, 2)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(m));
        assertTrue(e.getMessage().contains("output 1 of MaxPool"), e.getMessage());
    }

    // ---- folding at import ----

    /** The flatten that exporters write as shape arithmetic folds to one Reshape with "copy dim 0". */
    @Test
    void shapeChainFoldsToOneReshapeThatFollowsTheBatch() {
        ModelProto m = model(13, List.of(value("x", -1, 3, 4, 4)),
                List.of(longs("zero", new long[] {}, 0), longs("axes", new long[] {1}, 0), longs("minus_one", new long[] {1}, -1)),
                List.of(node("Relu", List.of("x"), List.of("r")),
                        node("Shape", List.of("r"), List.of("s")),
                        node("Gather", List.of("s", "zero"), List.of("n"), integer("axis", 0)),
                        node("Unsqueeze", List.of("n", "axes"), List.of("n1")),
                        node("Concat", List.of("n1", "minus_one"), List.of("target"), integer("axis", 0)),
                        node("Reshape", List.of("r", "target"), List.of("y"))),
                List.of(value("y", -1, 48)));
        Graph g = load(m);
        assertEquals(List.of("r", "y"), g.nodes().stream().map(n -> n.name()).toList());
        assertArrayEquals(new long[] {0, -1}, ((Reshape) g.node("y").layer()).shape());
        assertArrayEquals(new long[] {-1, 3, 4, 4}, g.inputs().get(0).shape());
        INDArray x = random(3, 3, 4, 4);
        INDArray y = g.predict(x);
        assertArrayEquals(new long[] {3, 48}, y.shape());
        assertEquals(0, Fixtures.rel(y, org.nd4j.linalg.ops.transforms.Transforms.relu(x, true).reshape(3, 48)), 0);
    }

    @Test
    void gemmFoldsAlphaBetaAndTransposeIntoALinearLayer() {
        float[] b = new float[4 * 3];
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 5) - 2;
        }
        ModelProto m = model(13, List.of(value("x", 2, 4)),
                List.of(floats("B", new long[] {4, 3}, b), floats("C", new long[] {3}, 1, 2, 3)),
                List.of(node("Gemm", List.of("x", "B", "C"), List.of("y"), floatAttr("alpha", 0.5f), floatAttr("beta", 2f))),
                List.of(value("y", 2, 3)));
        Graph g = load(m);
        // A Linear, handed over in its faster form (the importer applies Specialization).
        assertTrue(g.node("y").layer() instanceof SparseSeedLinear fast && fast.reference() instanceof Linear);
        INDArray x = random(2, 4);
        INDArray expected = x.mmul(Nd4j.create(b, new long[] {4, 3}, 'c')).muli(0.5).addiRowVector(Nd4j.createFromArray(2f, 4f, 6f));
        assertTrue(Fixtures.rel(g.predict(x), expected) < 1e-6);
    }

    @Test
    void subAndDivByConstantsBecomeAddAndMul() {
        ModelProto m = model(13, List.of(value("x", 2, 3)),
                List.of(floats("c", new long[] {3}, 1, 2, 4), floats("d", new long[] {3}, 2, 4, 8)),
                List.of(node("Sub", List.of("x", "c"), List.of("s")),
                        node("Div", List.of("s", "d"), List.of("y"))),
                List.of(value("y", 2, 3)));
        INDArray x = random(2, 3);
        INDArray expected = x.subRowVector(Nd4j.createFromArray(1f, 2f, 4f)).divRowVector(Nd4j.createFromArray(2f, 4f, 8f));
        assertTrue(Fixtures.rel(load(m).predict(x), expected) < 1e-6);
    }

    /** Before opset 13, Softmax normalized over all axes from `axis` on, not over `axis` alone. */
    @Test
    void softmaxBeforeOpset13CoercesTo2d() {
        ModelProto m = model(11, List.of(value("x", 2, 3, 4)), List.of(),
                List.of(node("Softmax", List.of("x"), List.of("y"), integer("axis", 1))), List.of(value("y", 2, 3, 4)));
        INDArray x = random(2, 3, 4);
        INDArray e = org.nd4j.linalg.ops.transforms.Transforms.exp(x.reshape(2, 12), true);
        INDArray expected = e.diviColumnVector(e.sum(true, 1)).reshape(2, 3, 4);
        assertTrue(Fixtures.rel(load(m).predict(x), expected) < 1e-6);
    }

    @Test
    void onnxNodeNamesAreAliasesOfTheirOutputTensors() {
        Graph g = OnnxImporter.load(Shared.require("oracle/tiny/tiny.op13_bn.onnx"));
        assertEquals("/relu3/Relu_output_0", g.resolve("/relu3/Relu"));
        assertEquals("/relu3/Relu_output_0", g.node("/relu3/Relu_output_0").name());
        assertArrayEquals(new long[] {1, 3, 32, 32}, g.inputs().get(0).shape());
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }
}
