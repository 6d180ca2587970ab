package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.io.Npy;
import org.xai4j.testing.Shared;

/**
 * The cases of the "hostile input" issue through the command line: shapes a file declares that
 * would not fit in memory, poisoned values, damaged photos. Each ends in one error line.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    private static Path tiny() {
        return Shared.require("oracle/tiny/tiny.default.onnx");
    }

    /** tiny.default.onnx with its input declared 1x3x100000x100000 (120 GB of float32 zeros). */
    @Test
    void aHugeDeclaredInputIsRefusedBeforeAllocating() throws IOException {
        Onnx.ModelProto m = Onnx.ModelProto.parseFrom(Files.readAllBytes(tiny()));
        Onnx.ModelProto.Builder b = m.toBuilder();
        Onnx.TensorShapeProto.Builder shape = b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder()
                .getShapeBuilder();
        shape.getDimBuilder(2).setDimValue(100000);
        shape.getDimBuilder(3).setDimValue(100000);
        Path f = dir.resolve("huge_input.onnx");
        Files.write(f, b.build().toByteArray());
        Cli.run("layers", "--model", f.toString()).error("input", "[1, 3, 100000, 100000]", "memory budget", "xai4j.memoryBudget");
        Cli.run("predict", "--model", f.toString(), "--input", Shared.require("assets/images/zebra.jpg").toString())
                .error("[1, 3, 100000, 100000]", "memory budget");
        Cli.run("explain", "--model", f.toString(), "--input", Shared.require("assets/images/zebra.jpg").toString(),
                "--method", "saliency", "--out", f.getParent().resolve("out").toString())
                .error("[1, 3, 100000, 100000]", "memory budget");
    }

    /** Every Conv of tiny.default.onnx padded by 100000 on each side: the first one's output is refused by name. */
    @Test
    void hugePadsAreRefusedAtTheNodeThatMakesThem() throws IOException {
        Onnx.ModelProto.Builder b = Onnx.ModelProto.parseFrom(Files.readAllBytes(tiny())).toBuilder();
        String first = null;
        for (Onnx.NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
            for (Onnx.AttributeProto.Builder a : n.getAttributeBuilderList()) {
                if (a.getName().equals("pads")) {
                    a.clearInts().addAllInts(java.util.List.of(100000L, 100000L, 100000L, 100000L));
                    first = first == null ? n.getOutput(0) : first;
                }
            }
        }
        assertTrue(first != null, "tiny has a Conv with pads");
        Path f = dir.resolve("huge_pads.onnx");
        Files.write(f, b.build().toByteArray());
        Cli.run("layers", "--model", f.toString()).error("node '" + first + "'", "memory budget");
    }

    /** The Teachable Machine model with batch_input_shape [null, 9999, 9999, 3] (same byte length: the attribute is fixed-size). */
    @Test
    void aHugeKerasInputIsRefusedBeforeAllocating() throws IOException {
        byte[] b = Files.readAllBytes(Shared.require("assets/models/teachable_machine_catdog/keras_model.h5"));
        String s = new String(b, StandardCharsets.ISO_8859_1).replace("[null, 224, 224, 3]", "[null,9999,9999, 3]");
        Path f = dir.resolve("huge.h5");
        Files.write(f, s.getBytes(StandardCharsets.ISO_8859_1));
        // The budget is fixed here so that the test means the same on a machine of any size; the
        // planned peak is about 11 GB (MemoryBudget.machineDefault says what it reached resident).
        System.setProperty("xai4j.memoryBudget", "4g");
        try {
            Cli.run("layers", "--model", f.toString()).error("memory budget of 4.0 GiB", "node 'bn_Conv1'", "[1, 16, 4999, 4999]", "scratch");
            Cli.run("predict", "--model", f.toString(), "--input", Shared.require("assets/images/zebra.jpg").toString())
                    .error("memory budget of 4.0 GiB", "node 'bn_Conv1'", "[1, 16, 4999, 4999]", "scratch");
        } finally {
            System.clearProperty("xai4j.memoryBudget");
        }
    }

    @Test
    void nonFiniteInputsAreRefused() {
        INDArray x = Npy.read(Shared.require("oracle/tiny/input.npy")).dup();
        x.putScalar(new long[] {0, 1, 2, 3}, Float.NaN);
        Path nan = dir.resolve("nan.npy");
        Npy.write(x, nan);
        Cli.run("predict", "--model", tiny().toString(), "--input", nan.toString()).error("nan.npy holds 1 NaN of 3072 values", "finite");
        x.putScalar(new long[] {0, 1, 2, 3}, Float.POSITIVE_INFINITY);
        Npy.write(x, nan);
        Cli.run("predict", "--model", tiny().toString(), "--input", nan.toString()).error("1 infinite of 3072 values");
    }

    /** A NaN planted in the first float initializer of tiny: refused at import, naming the node and weight. */
    @Test
    void aNaNWeightIsRefusedAtImport() throws IOException {
        Onnx.ModelProto.Builder b = Onnx.ModelProto.parseFrom(Files.readAllBytes(tiny())).toBuilder();
        Onnx.TensorProto.Builder t = b.getGraphBuilder().getInitializerBuilder(0);
        byte[] raw = t.getRawData().toByteArray();
        java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(4, Float.NaN);
        t.setRawData(org.nd4j.shade.protobuf.ByteString.copyFrom(raw));
        Path f = dir.resolve("nan_weight.onnx");
        Files.write(f, b.build().toByteArray());
        Cli.run("predict", "--model", f.toString(), "--input", Shared.require("oracle/tiny/input.npy").toString())
                .error("nan_weight.onnx", "node '", "1 NaN of", "weights must be finite");
    }

    @Test
    void damagedPhotosAreRefused() throws IOException {
        byte[] jpeg = Files.readAllBytes(Shared.require("assets/images/zebra.jpg"));
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, java.util.Arrays.copyOf(jpeg, jpeg.length * 7 / 10));
        Cli.run("predict", "--model", tiny().toString(), "--input", cut.toString(), "--size", "32").error("cut.jpg", "damaged");
    }

    @Test
    void aBadBudgetSettingIsNamed() {
        System.setProperty("xai4j.memoryBudget", "lots");
        try {
            Cli.run("layers", "--model", tiny().toString()).error("-Dxai4j.memoryBudget=lots", "e.g. 8g");
        } finally {
            System.clearProperty("xai4j.memoryBudget");
        }
    }

}
