package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import onnx.Onnx.ModelProto;
import onnx.Onnx.StringStringEntryProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xai4j.testing.Shared;

/** {@code xai4j export}: the file it writes reads back into the same predictions; its options and errors. */
class ExportTest {
    @TempDir
    Path dir;

    private static String tiny() {
        return Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
    }

    private static ModelProto read(Path file) throws IOException {
        return ModelProto.parseFrom(Files.readAllBytes(file));
    }

    private static long count(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }

    @Test
    void exportedModelPredictsTheSame() throws IOException {
        Path out = dir.resolve("tiny.onnx");
        String printed = Cli.run("export", "--model", tiny(), "--out", out.toString()).ok().out();
        assertTrue(printed.contains("out:    " + out + " (ONNX opset 13, 17 nodes") && printed.contains("4 batch norms kept"), printed);
        assertEquals(4, count(read(out), "BatchNormalization"));
        String input = Shared.require("oracle/tiny/input.npy").toString();
        Cli.Result before = Cli.run("predict", "--model", tiny(), "--input", input, "--json").ok();
        Cli.Result after = Cli.run("predict", "--model", out.toString(), "--input", input, "--json").ok();
        // Imported again, the exported file is the same graph with the same float32 weights: equal to the printed digits.
        assertEquals(before.number("logit"), after.number("logit"));
        assertEquals(before.number("index"), after.number("index"));
        // Node names survive, so a Grad-CAM layer is found by the same name.
        assertTrue(Cli.run("layers", "--model", out.toString()).ok().out().contains("/relu3/Relu_output_0"));
    }

    @Test
    void foldBatchNormLeavesNoBatchNormalization() throws IOException {
        Path out = dir.resolve("folded.onnx");
        String printed = Cli.run("export", "--model", tiny(), "--out", out.toString(), "--fold-batch-norm").ok().out();
        assertTrue(!printed.contains("batch norms kept"), printed);
        assertEquals(0, count(read(out), "BatchNormalization"));
        assertEquals(count(read(out), "Conv"), 4);
    }

    @Test
    void preprocessingAndLabelsGoIntoTheMetadata() throws IOException {
        Path labels = dir.resolve("names.txt");
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            names.append("digit ").append(i).append('\n');
        }
        Files.writeString(labels, names);
        Path out = dir.resolve("meta.onnx");
        String printed = Cli.run("export", "--model", tiny(), "--out", out.toString(), "--preprocess", "inception",
                "--labels", labels.toString()).ok().out();
        assertTrue(printed.contains("meta:   xai4j.preprocess = inception, xai4j.labels (10 names)"), printed);
        Map<String, String> props = new HashMap<>();
        for (StringStringEntryProto p : read(out).getMetadataPropsList()) {
            props.put(p.getKey(), p.getValue());
        }
        assertEquals("inception", props.get("xai4j.preprocess"));
        assertEquals(names.toString().strip(), props.get("xai4j.labels"));
        assertEquals("xai4j", read(out).getProducerName());
    }

    @Test
    void errorsAreOneLine() throws IOException {
        Cli.run("export", "--model", tiny(), "--out", dir.resolve("missing/x.onnx").toString()).error("--out", "does not exist");
        Cli.run("export", "--model", dir.resolve("none.onnx").toString(), "--out", dir.resolve("x.onnx").toString())
                .error("none.onnx", "no such file");
        Path three = dir.resolve("three.txt");
        Files.writeString(three, "a\nb\nc\n");
        Cli.run("export", "--model", tiny(), "--out", dir.resolve("x.onnx").toString(), "--labels", three.toString())
                .error("three.txt", "3 classes", "10 outputs");
        Cli.run("export", "--model", tiny(), "--out", dir.resolve("x.onnx").toString(), "--preprocess", "imagenet")
                .error("--preprocess", "torchvision");
        Cli.run("export", "--model", tiny()).error("--out");
    }
}
