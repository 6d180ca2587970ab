package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.io.Npy;
import org.xai4j.testing.Shared;

/** Every way a user can go wrong ends in one line naming the problem, a non-zero exit and no stack trace. */
class ErrorsTest {
    @TempDir
    Path dir;

    private static String tiny() {
        return Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
    }

    private static String tinyInput() {
        return Shared.require("oracle/tiny/input.npy").toString();
    }

    private static String photo() {
        return Shared.require("assets/images/goldfish.jpg").toString();
    }

    @Test
    void missingModelFile() {
        Cli.run("predict", "--model", "no/such/model.onnx", "--input", photo()).error("no/such/model.onnx");
        Cli.run("layers", "--model", "no/such/model.onnx").error("no/such/model.onnx");
    }

    @Test
    void truncatedAndCorruptOnnx() throws IOException {
        byte[] bytes = Files.readAllBytes(Path.of(tiny()));
        Path truncated = dir.resolve("truncated.onnx");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        Cli.run("layers", "--model", truncated.toString()).error("truncated.onnx");
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "this is a text file, not a model\n");
        Cli.run("predict", "--model", text.toString(), "--input", photo()).error("notes.onnx");
    }

    @Test
    void unsupportedOperatorIsNamed() throws IOException {
        Onnx.TypeProto type = Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(Onnx.TensorProto.DataType.FLOAT.getNumber())
                .setShape(Onnx.TensorShapeProto.newBuilder()
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(3)))).build();
        Onnx.ModelProto model = Onnx.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(Onnx.GraphProto.newBuilder().setName("g")
                        .addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(type))
                        .addNode(Onnx.NodeProto.newBuilder().setOpType("LSTM").setName("recurrent_1").addInput("x").addOutput("y"))
                        .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y").setType(type)))
                .build();
        Path file = dir.resolve("lstm.onnx");
        Files.write(file, model.toByteArray());
        Cli.run("layers", "--model", file.toString()).error("lstm.onnx", "LSTM", "recurrent_1");
    }

    @Test
    void inputThatIsNotAnImage() throws IOException {
        Path text = dir.resolve("cat.jpg");
        Files.writeString(text, "not really a cat");
        Cli.run("predict", "--model", tiny(), "--input", text.toString(), "--size", "32").error("cat.jpg", "png");
        Cli.run("predict", "--model", tiny(), "--input", dir.resolve("missing.png").toString()).error("missing.png", "not found");
    }

    @Test
    void tensorOfTheWrongShape() {
        Path wrong = dir.resolve("wrong.npy");
        Npy.write(Nd4j.zeros(1, 3, 64, 64), wrong);
        Cli.run("predict", "--model", tiny(), "--input", wrong.toString()).error("wrong.npy", "[1,3,64,64]", "[1,3,32,32]");
    }

    @Test
    void corruptTensorFile() throws IOException {
        Path bad = dir.resolve("bad.npy");
        byte[] good = Files.readAllBytes(Path.of(tinyInput()));
        Files.write(bad, Arrays.copyOf(good, good.length - 100));
        Cli.run("predict", "--model", tiny(), "--input", bad.toString()).error("bad.npy", "truncated");
    }

    @Test
    void photoForAModelWithAFixedOtherSize() {
        Cli.run("predict", "--model", tiny(), "--input", photo(), "--size", "224").error("--size 224", "[1,3,32,32]");
    }

    @Test
    void badFlagValuesSayWhatIsAccepted() {
        Cli.run("predict", "--model", tiny(), "--input", tinyInput(), "--top", "0").error("--top", "at least 1");
        Cli.run("predict", "--model", tiny(), "--input", tinyInput(), "--top", "five").error("--top", "five");
        Cli.run("predict", "--model", tiny(), "--input", photo(), "--preprocess", "imagenet")
                .error("--preprocess", "imagenet", "torchvision, inception, caffe, none");
        Cli.run("predict", "--model", tiny(), "--input", photo(), "--size", "-3").error("--size", "-3");
        Cli.run("layers", "--model", tiny(), "--input-shape", "1,three,32,32").error("--input-shape", "1,3,224,224");
        Cli.run("predict", "--model", tiny(), "--input", tinyInput(), "--colour").error("--colour");
        Cli.run("predict", "--input", tinyInput()).error("--model");
        Cli.run("explode").error("explode");
        Cli.run().error("layers", "predict");
    }

    @Test
    void unknownNodeListsCloseMatches() {
        Cli.run("predict", "--model", tiny(), "--input", tinyInput(), "--save-activation",
                "relu3=" + dir.resolve("a.npy")).error("relu3", "/relu3/Relu_output_0", "xai4j layers");
        assertTrue(Files.notExists(dir.resolve("a.npy")));
    }

    @Test
    void labelsThatDoNotFitTheModel() throws IOException {
        Path labels = dir.resolve("labels.txt");
        Files.writeString(labels, "0 Cat\n1 Dog\n");
        Cli.run("predict", "--model", tiny(), "--input", tinyInput(), "--labels", labels.toString())
                .error("labels.txt", "2 classes", "10 outputs");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Cli.Result r = Cli.run("predict", "--verbose", "--model", "no/such/model.onnx", "--input", photo());
        assertTrue(r.exit() != 0);
        assertTrue(r.err().startsWith("xai4j: error: ") && r.err().contains("\tat "), r.err());
    }

    @Test
    void helpAndVersionSucceed() {
        Cli.Result version = Cli.run("--version").ok();
        assertTrue(version.out().startsWith("xai4j "), version.out());
        for (String[] args : new String[][] {{"--help"}, {"predict", "--help"}, {"layers", "--help"}, {"help", "predict"}}) {
            Cli.Result help = Cli.run(args).ok();
            assertTrue(help.out().contains("Usage: xai4j"), String.join(" ", args) + ": " + help.out());
            assertEquals("", help.err());
        }
        assertTrue(Cli.run("predict", "--help").out().contains("--save-activation=NODE=OUT.npy"));
    }

    /** Every help text is a valid format string: picocli formats them, and a stray % makes it print one raw (and warn). */
    @Test
    void everyHelpTextIsAFormatString() {
        for (picocli.CommandLine c : new picocli.CommandLine(new Main()).getSubcommands().values()) {
            List<String> texts = new ArrayList<>(List.of(c.getCommandSpec().usageMessage().description()));
            c.getCommandSpec().options().forEach(o -> texts.addAll(List.of(o.description())));
            for (String text : texts) {
                String where = c.getCommandName() + ": " + text;
                assertDoesNotThrow(() -> String.format(Locale.ROOT, text.replace("${DEFAULT-VALUE}", "x")), where);
            }
        }
    }
}
