package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.xai4j.testing.Shared;

/**
 * Many inputs in one run through the command line: a folder with a damaged file and a tensor of
 * the wrong shape, name collisions, the index, the exit code, several targets, and one input
 * writing exactly what it always wrote.
 */
class FoldersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String tiny() {
        return Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
    }

    /** inputs/a.npy, inputs/b.npy, inputs/sub/a.npy (a collision), a damaged PNG and a tensor of the wrong shape. */
    private Path inputs() throws IOException {
        Path in = dir.resolve("inputs");
        Files.createDirectories(in.resolve("sub"));
        Path tensor = Shared.require("oracle/tiny/input.npy");
        Files.copy(tensor, in.resolve("a.npy"));
        Files.copy(tensor, in.resolve("b.npy"));
        Files.copy(tensor, in.resolve("sub/a.npy"));
        Files.write(in.resolve("c.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Files.copy(Shared.require("oracle/resnet18/input.npy"), in.resolve("d.npy"));
        Files.writeString(in.resolve("notes.txt"), "not an input");
        return in;
    }

    @Test
    void aFolderAndAPatternRunEveryInputReportTheBadOnesAndGoOn() throws IOException {
        Path in = inputs();
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("explain", "--model", tiny(), "--input", in.toString(), in.resolve("sub") + "/*.npy",
                "--method", "gradcam", "--target", "3", "--out", out.toString());
        assertEquals(BatchIndex.SOME_FAILED, r.exit(), r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("xai4j: error: ")).toList();
        assertEquals(2, errors.size(), r.err());
        assertTrue(errors.get(0).contains("c.png"), errors.get(0));
        assertTrue(errors.get(1).contains("d.npy") && errors.get(1).contains("[1,3,224,224]"), errors.get(1));

        JsonNode index = JSON.readTree(out.resolve("index.json").toFile());
        assertEquals(5, index.get("inputs").asInt());
        assertEquals(2, index.get("failed").asInt());
        List<String> subfolders = Stream.of(0, 1, 2, 3, 4).map(i -> index.get("records").get(i).get("subfolder").asText()).toList();
        assertEquals(List.of("a", "b", "c", "d", "a_2"), subfolders);
        JsonNode a = index.get("records").get(0);
        assertTrue(a.get("error").isNull());
        assertEquals(3, a.get("targets").get(0).get("class").asInt());
        assertEquals("a/gradcam.png", a.get("targets").get(0).get("methods").get("gradcam").get(2).asText());
        assertFalse(index.get("records").get(2).get("error").isNull());
        for (String s : List.of("a", "b", "a_2")) {
            assertTrue(Files.isRegularFile(out.resolve(s).resolve("gradcam.npy")), s);
        }
        assertFalse(Files.exists(out.resolve("c")));
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("src=\"a/all.png\"") && html.contains("c.png"), html);
    }

    @Test
    void oneInputWritesWhatItAlwaysDidAndTheSameFilesAsInAFolderRun() throws IOException {
        Path in = inputs();
        Path single = dir.resolve("single");
        Cli.run("explain", "--model", tiny(), "--input", in.resolve("b.npy").toString(), "--method", "saliency",
                "--out", single.toString()).ok();
        try (Stream<Path> s = Files.list(single)) {
            assertEquals(List.of("all.png", "index.html", "saliency.json", "saliency.npy", "saliency.png"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Path many = dir.resolve("many");
        Cli.run("explain", "--model", tiny(), "--input", in.resolve("a.npy").toString(), in.resolve("b.npy").toString(),
                "--method", "saliency", "--out", many.toString()).ok();
        // Two rows through one pass may round differently from one row; the tiny model gives the same bits.
        assertArrayEquals(Files.readAllBytes(single.resolve("saliency.npy")), Files.readAllBytes(many.resolve("b/saliency.npy")));
    }

    @Test
    void predictWritesOnePredictionPerInputAndTheIndex() throws IOException {
        Path in = inputs();
        Path out = dir.resolve("pred");
        Cli.Result r = Cli.run("predict", "--model", tiny(), "--input", in.resolve("a.npy").toString(), in.resolve("b.npy").toString(),
                "--save-logits", "logits.npy", "--out", out.toString()).ok();
        assertTrue(r.out().contains("2 inputs in"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("a/prediction.json")));
        // --input takes values up to the next option it knows: a mistyped one is still a bad command line.
        assertEquals(2, Cli.run("predict", "--model", tiny(), "--input", in.resolve("a.npy").toString(), "--colour").error("--colour").exit());
        assertTrue(Files.isRegularFile(out.resolve("b/logits.npy")));
        JsonNode index = JSON.readTree(out.resolve("index.json").toFile());
        assertEquals(index.get("records").get(0).get("top").get("class").asInt(), index.get("records").get(1).get("top").get("class").asInt());
    }

    @Test
    void severalTargetsByIndexAndNameGoToTheirFolders() throws IOException {
        Path out = dir.resolve("two");
        Cli.Result r = Cli.run("explain", "--model", Shared.require("assets/models/mobilenet_v2_1.0_224_imagenet.onnx").toString(),
                "--input", Shared.require("assets/images/both_bullmastiff_tigercat.png").toString(), "--method", "gradcam",
                "--target", "243,Tiger Cat", "--out", out.toString()).ok();
        assertTrue(r.out().contains("target: class 243 (bull mastiff), as asked, logit 13.278"), r.out());
        assertTrue(r.out().contains("target: class 282 (tiger cat), as asked (\"Tiger Cat\")"), r.out());
        assertTrue(r.out().contains("preprocess: inception (ONNX metadata"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("243_bull_mastiff/gradcam.npy")));
        JsonNode record = JSON.readTree(out.resolve("282_tiger_cat/gradcam.json").toFile());
        assertEquals(282, record.get("target").asInt());
        assertEquals("Tiger Cat", record.get("target_requested").asText());
        assertEquals("inception", record.get("preprocess").asText());
        assertFalse(record.get("preprocess_guessed").asBoolean());

        Cli.run("explain", "--model", Shared.require("assets/models/mobilenet_v2_1.0_224_imagenet.onnx").toString(),
                "--input", Shared.require("assets/images/both_bullmastiff_tigercat.png").toString(), "--method", "gradcam",
                "--target", "tigr cat", "--out", out.toString()).error("--target \"tigr cat\"", "282 tiger cat");
    }
}
