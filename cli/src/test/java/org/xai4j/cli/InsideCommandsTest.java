package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xai4j.testing.Shared;

/** filters, features, receptive-field, top-patches and maximize: the files the issue names, and one-line errors. */
class InsideCommandsTest {
    private static final String CONV = "/bn1/BatchNormalization_output_0";
    private static final String RELU2 = "/relu2a/Relu_output_0";

    @TempDir
    Path dir;

    private static String tiny() {
        return Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
    }

    private static String photo() {
        return Shared.require("assets/images/goldfish.jpg").toString();
    }

    private static void png(Path file) throws IOException {
        BufferedImage im = ImageIO.read(file.toFile());
        assertTrue(im != null && im.getWidth() > 0, file + " is a PNG");
    }

    @Test
    void filtersWritesTheGrid() throws IOException {
        Cli.Result r = Cli.run("filters", "--model", tiny(), "--preprocess", "torchvision", "--out", dir.toString()).ok();
        assertTrue(r.out().contains("8 of 8 filters") && r.out().contains("RGB"), r.out());
        png(dir.resolve("filters_" + Inside.fileName(CONV) + ".png"));
        Cli.run("filters", "--model", tiny(), "--preprocess", "torchvision", "--layer", "/bn2a/BatchNormalization", "--out", dir.toString()).ok();
        png(dir.resolve("filters__bn2a_BatchNormalization_output_0.png"));
    }

    @Test
    void featuresWritesChosenChannels() throws IOException {
        Cli.Result r = Cli.run("features", "--model", tiny(), "--preprocess", "torchvision", "--input", photo(), "--size", "32", "--layer", RELU2,
                "--channels", "0,5,7", "--out", dir.toString()).ok();
        assertTrue(r.out().contains("(3 channels)"), r.out());
        png(dir.resolve("features_" + Inside.fileName(RELU2) + ".png"));
    }

    @Test
    void receptiveFieldTableLayerAndPosition() {
        assertTrue(Cli.run("receptive-field", "--model", tiny()).ok().out().contains("logits"));
        // conv 3x3 (3) -> pool 2x2 (4, jump 2) -> two 3x3 convs (8, 12): the field of relu2a is 8x8, and unit 0,0's, clipped by the padding, 5x5.
        Cli.Result r = Cli.run("receptive-field", "--model", tiny(), "--preprocess", "torchvision", "--layer", RELU2, "--position", "0,0").ok();
        assertTrue(r.out().contains("receptive field: 8x8 input pixels, jump 2x2"), r.out());
        assertTrue(r.out().contains("unit 0,0: rows 0..4, columns 0..4"), r.out());
    }

    /** MobileNet v2's imported graph carries fused ReLU6 forms: their geometry is that of the clip they stand for. */
    @Test
    void receptiveFieldThroughFasterLayerForms() {
        String model = Shared.require("assets/models/mobilenet_v2_1.0_224_imagenet.onnx").toString();
        Cli.Result r = Cli.run("receptive-field", "--model", model, "--layer", "Conv_relu6").ok();
        assertTrue(r.out().contains("receptive field: 3x3 input pixels, jump 2x2"), r.out());
        Cli.run("filters", "--model", model, "--layer", "expanded_conv_project", "--out", dir.toString()).ok();
    }

    @Test
    void topPatchesSkipsBadFilesAndWritesGridJsonAndProjections() throws IOException {
        Path images = dir.resolve("photos");
        Files.createDirectories(images.resolve("sub"));
        for (int i = 0; i < 5; i++) {
            BufferedImage im = new BufferedImage(40 + 7 * i, 30 + 5 * i, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < im.getHeight(); y++) {
                for (int x = 0; x < im.getWidth(); x++) {
                    im.setRGB(x, y, (x * 37 + y * 11 * (i + 1)) & 0xFFFFFF);
                }
            }
            ImageIO.write(im, i % 2 == 0 ? "png" : "jpg", images.resolve((i < 3 ? "" : "sub/") + "p" + i + (i % 2 == 0 ? ".png" : ".jpg")).toFile());
        }
        Files.writeString(images.resolve("broken.jpg"), "not a photo");
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("top-patches", "--model", tiny(), "--preprocess", "torchvision", "--size", "32", "--images", images.toString(), "--layer", RELU2,
                "--channels", "1,3", "--k", "2", "--batch-size", "2", "--deconvnet", "--out", out.toString()).ok();
        assertTrue(r.err().contains("skipped") && r.err().contains("broken.jpg"), r.err());
        assertTrue(r.out().contains("5 read, 1 skipped"), r.out());
        String stem = "top_patches_" + Inside.fileName(RELU2);
        png(out.resolve(stem + ".png"));
        png(out.resolve(stem + "_deconvnet.png"));
        String json = Files.readString(out.resolve(stem + ".json"));
        assertTrue(json.contains("\"images\":5") && json.contains("\"skipped\":1"), json);
        assertEquals(4, json.split("\"score\"").length - 1, "2 channels x k = 2 hits: " + json);
    }

    @Test
    void maximizeWritesImageAndJson() throws IOException {
        Cli.Result r = Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--target", "3", "--steps", "4", "--out", dir.toString()).ok();
        assertTrue(r.out().contains("class_3.png"), r.out());
        png(dir.resolve("class_3.png"));
        assertTrue(Files.readString(dir.resolve("class_3.json")).contains("\"final_score\""));
        Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--layer", RELU2, "--channel", "2", "--unit", "3,4", "--steps", "2", "--plain",
                "--out", dir.toString()).ok();
        png(dir.resolve(Inside.fileName(RELU2) + "_channel_2_unit_3_4.png"));
    }

    /** Without --preprocess the inside commands take what the model file tells, as predict does, and say so. */
    @Test
    void preprocessingComesFromTheModelAsInPredict() throws IOException {
        String v1 = Shared.require("assets/models/mobilenet_v1_0.75_224_imagenet.onnx").toString();
        Cli.Result told = Cli.run("maximize", "--model", v1, "--target", "340", "--steps", "1", "--out", dir.toString()).ok();
        assertTrue(told.out().contains("preprocess: inception (ONNX metadata"), told.out());
        assertTrue(Files.readString(dir.resolve("class_340.json")).contains("\"preprocess\":\"inception\""));
        Cli.Result guessed = Cli.run("maximize", "--model", tiny(), "--target", "3", "--steps", "1", "--out", dir.toString()).ok();
        assertTrue(guessed.out().contains("preprocess: torchvision ("), guessed.out());
        assertTrue(guessed.err().contains("warning: preprocessing torchvision"), guessed.err());
        Path images = Files.createDirectories(dir.resolve("photos"));
        Files.copy(Path.of(photo()), images.resolve("goldfish.jpg"));
        Cli.Result patches = Cli.run("top-patches", "--model", tiny(), "--size", "32", "--images", images.toString(), "--layer", RELU2,
                "--k", "1", "--out", dir.toString()).ok();
        assertTrue(patches.out().contains("preprocess: torchvision ("), patches.out());
    }

    @Test
    void hostileValuesEndInOneLine() throws IOException {
        String out = dir.toString();
        Cli.run("filters", "--model", tiny(), "--preprocess", "torchvision", "--layer", "no_such_node", "--out", out).error("no_such_node");
        Cli.run("filters", "--model", tiny(), "--preprocess", "torchvision", "--layer", RELU2, "--out", out).error(RELU2, "not a convolution");
        Cli.run("features", "--model", tiny(), "--preprocess", "torchvision", "--input", photo(), "--size", "32", "--layer", "nope", "--out", out).error("nope");
        Cli.run("features", "--model", tiny(), "--preprocess", "torchvision", "--input", photo(), "--size", "32", "--layer", RELU2, "--channels", "8", "--out", out)
                .error("channel 8", "0..7");
        Cli.run("receptive-field", "--model", tiny(), "--preprocess", "torchvision", "--layer", "nope").error("nope");
        Cli.run("receptive-field", "--model", tiny(), "--preprocess", "torchvision", "--layer", RELU2, "--position", "16,0").error("16");
        Cli.run("receptive-field", "--model", tiny(), "--preprocess", "torchvision", "--layer", RELU2, "--position", "0,-1").error("-1");
        Path images = dir.resolve("photos");
        Files.createDirectories(images);
        Files.copy(Path.of(photo()), images.resolve("goldfish.jpg"));
        Cli.run("top-patches", "--model", tiny(), "--preprocess", "torchvision", "--images", images.toString(), "--layer", RELU2, "--k", "0", "--out", out).error("--k");
        Cli.run("top-patches", "--model", tiny(), "--preprocess", "torchvision", "--images", images.toString(), "--layer", RELU2, "--k", "1001", "--out", out).error("--k");
        Cli.run("top-patches", "--model", tiny(), "--preprocess", "torchvision", "--images", images.toString(), "--layer", RELU2, "--channels", "99", "--out", out)
                .error("channel 99", "0..7");
        Cli.run("top-patches", "--model", tiny(), "--preprocess", "torchvision", "--images", images.toString(), "--layer", "nope", "--out", out).error("nope");
        Cli.run("top-patches", "--model", tiny(), "--preprocess", "torchvision", "--images", dir.resolve("none").toString(), "--layer", RELU2, "--out", out).error("none");
        Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--target", "3", "--steps", "100001", "--out", out).error("--steps", "100000");
        Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--target", "3", "--steps", "0", "--out", out).error("--steps");
        Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--target", "10", "--steps", "1", "--out", out).error("10");
        Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--layer", RELU2, "--channel", "8", "--steps", "1", "--out", out).error("channel 8");
        Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--layer", RELU2, "--channel", "1", "--unit", "16,0", "--steps", "1", "--out", out).error("16");
        Cli.run("maximize", "--model", tiny(), "--preprocess", "torchvision", "--layer", "nope", "--channel", "1", "--steps", "1", "--out", out).error("nope");
    }
}
