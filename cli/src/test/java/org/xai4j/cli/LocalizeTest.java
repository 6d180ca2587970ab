package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xai4j.testing.Shared;

/** {@code xai4j localize}: box.json in the original photo's pixels, box.png, folders, refusals. */
class LocalizeTest {
    @TempDir
    Path dir;

    @Test
    void theBoxOfTheDogIsInTheOriginalPhotosPixels() throws IOException {
        String model = Shared.require("assets/models/mobilenet_v2_1.0_224_imagenet.onnx").toString();
        // The photo at twice its size: the box must come out in that photo's pixels.
        Path big = dir.resolve("big.png");
        java.awt.image.BufferedImage photo = org.xai4j.engine.io.Images.read(Shared.require("assets/images/both_bullmastiff_tigercat.png"));
        java.awt.image.BufferedImage twice = new java.awt.image.BufferedImage(448, 448, java.awt.image.BufferedImage.TYPE_INT_RGB);
        twice.createGraphics().drawImage(photo, 0, 0, 448, 448, null);
        javax.imageio.ImageIO.write(twice, "png", big.toFile());
        Path out = dir.resolve("out");
        Cli.run("localize", "--model", model, "--input", big.toString(), "--target", "bull mastiff", "--out", out.toString()).ok();
        String json = Files.readString(out.resolve("box.json"));
        assertTrue(json.contains("\"class\":243") && json.contains("\"method\":\"gradcam\"") && json.contains("\"threshold\":0.2"), json);
        int[] box = java.util.Arrays.stream(json.replaceAll(".*\"box\":\\[([0-9,]*)\\].*\\s*", "$1").split(","))
                .mapToInt(Integer::parseInt).toArray();
        assertEquals(4, box.length);
        // hand-marked dog at 224 x 224: [78, 13, 166, 142]; at 448 its centre (244, 155) must be inside the box
        assertTrue(box[0] < 244 && 244 < box[2] && box[1] < 155 && 155 < box[3], json);
        assertTrue(box[2] <= 448 && box[3] <= 448);
        assertTrue(Files.size(out.resolve("box.png")) > 0);
    }

    @Test
    void aFolderWritesOneBoxPerImageAndHostileValuesAreRefused() throws IOException {
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.copy(Shared.require("oracle/tiny/input.npy"), in.resolve("a.npy"));
        Files.copy(Shared.require("oracle/tiny/input.npy"), in.resolve("b.npy"));
        Path out = dir.resolve("out");
        Cli.run("localize", "--model", tiny, "--input", in.toString(), "--out", out.toString()).ok();
        assertTrue(Files.isRegularFile(out.resolve("a/box.json")) && Files.isRegularFile(out.resolve("b/box.png")));
        assertTrue(Files.isRegularFile(out.resolve("index.json")));
        Cli.run("localize", "--model", tiny, "--input", in.resolve("a.npy").toString(), "--threshold", "1.5").error("--threshold", "(0, 1]");
        Cli.run("localize", "--model", tiny, "--input", in.resolve("a.npy").toString(), "--target", "1,2").error("one --target");
    }
}
