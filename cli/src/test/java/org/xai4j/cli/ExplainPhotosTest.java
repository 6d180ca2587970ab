package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.testing.Shared;

/**
 * {@code explain} on the classic Grad-CAM photo with the pretrained MobileNets: the bull mastiff
 * sits upright in the top half of the picture, in the middle columns (about x 75..165, y 10..140
 * of 224); the tiger cat lies across the bottom (about y 120..215). Grad-CAM for class 243 (bull
 * mastiff) must peak on the dog and for class 282 (tiger cat) on the cat.
 */
class ExplainPhotosTest {
    private static final String PHOTO = "assets/images/both_bullmastiff_tigercat.png";
    private static final int SIDE = 224;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "mobilenet_v1_0.75_224_imagenet.onnx, conv_pw_13_relu",
        "mobilenet_v2_1.0_224_imagenet.onnx, Conv_1_relu6",
    })
    void gradCamFindsTheDogAndTheCat(String model, String layer) {
        String file = Shared.require("assets/models/" + model).toString();
        String photo = Shared.require(PHOTO).toString();
        // The dog without --layer: the default is the input of global pooling, the layer asked for.
        Cli.Result dogRun = Cli.run("explain", "--model", file, "--input", photo, "--preprocess", "inception",
                "--method", "gradcam", "--target", "243", "--out", dir.resolve("dog").toString()).ok();
        assertTrue(dogRun.out().contains("layer:  " + layer + " (default"), dogRun.out());
        Cli.run("explain", "--model", file, "--input", photo, "--preprocess", "inception", "--method", "gradcam",
                "--target", "282", "--layer", layer, "--out", dir.resolve("cat").toString()).ok();

        int[] dog = peak(ExplainFiles.npy(dir.resolve("dog/gradcam.npy")));
        int[] cat = peak(ExplainFiles.npy(dir.resolve("cat/gradcam.npy")));
        System.out.printf("explain photo: %s Grad-CAM peak (row, column) bull mastiff (%d, %d), tiger cat (%d, %d)%n",
                model, dog[0], dog[1], cat[0], cat[1]);
        assertTrue(dog[0] < SIDE / 2 && dog[1] >= SIDE / 4 && dog[1] < 3 * SIDE / 4,
                model + ": the bull mastiff's peak should be in the top half, middle columns: " + dog[0] + ", " + dog[1]);
        assertTrue(cat[0] >= SIDE / 2, model + ": the tiger cat's peak should be in the bottom half: " + cat[0] + ", " + cat[1]);
        assertTrue(Math.hypot(dog[0] - cat[0], dog[1] - cat[1]) > SIDE / 4.0, "the two peaks are far apart");

        JsonNode dogRecord = ExplainFiles.json(dir.resolve("dog/gradcam.json"));
        assertEquals(243, dogRecord.get("target").asInt());
        assertEquals("bull mastiff", dogRecord.get("label").asText());
        assertEquals("inception", dogRecord.get("preprocess").asText());
        assertEquals(layer, dogRecord.get("parameters").get("layer").asText());
        assertEquals("tiger cat", ExplainFiles.json(dir.resolve("cat/gradcam.json")).get("label").asText());
        assertTrue(dir.resolve("dog/gradcam.png").toFile().isFile());
    }

    @Test
    void aModelEndingInSoftmaxIsExplainedAtItsLogits() {
        // Teachable Machine's ONNX ends in Softmax; the pre-softmax tensor is dense_Dense2.preact (MANIFEST).
        Cli.Result r = Cli.run("explain", "--model",
                Shared.require("assets/models/teachable_machine_catdog/keras_model.onnx").toString(),
                "--input", Shared.require(PHOTO).toString(), "--preprocess", "inception", "--method", "gradcam",
                "--out", dir.toString()).ok();
        JsonNode record = ExplainFiles.json(dir.resolve("gradcam.json"));
        assertEquals("Dog", record.get("label").asText(), "labels.txt beside the model; the manifest's top class");
        assertTrue(record.get("model_ends_in_softmax").asBoolean());
        assertTrue(record.get("pre_softmax_logit").asBoolean());
        assertEquals("dense_Dense2.preact", record.get("logits_node").asText());
        assertEquals(record.get("logit").asDouble(), record.get("score").asDouble(), 1e-6, "the score is the logit");
        assertTrue(r.out().contains("softmax"), "stdout notes the softmax: " + r.out());
    }

    @Test
    void camOnAConvolutionalHeadIsGradCamTimesArea() {
        // MobileNet v1 classifies with a 1x1 convolution after the pooling (MANIFEST), which CAM
        // reads as its linear layer. Pooling then a linear map: Grad-CAM = relu(CAM) / (h*w)
        // exactly (oracle README), so the two methods check each other; 1e-4 of the largest
        // value covers float32 rounding of two different sums.
        String model = Shared.require("assets/models/mobilenet_v1_0.75_224_imagenet.onnx").toString();
        String photo = Shared.require("assets/images/goldfish.jpg").toString();
        for (String method : new String[] {"cam", "gradcam"}) {
            Cli.run("explain", "--model", model, "--input", photo, "--preprocess", "inception", "--method", method,
                    "--out", dir.toString()).ok();
        }
        INDArray cam = ExplainFiles.npy(dir.resolve("cam_raw.npy"));
        assertEquals(1, ExplainFiles.json(dir.resolve("cam.json")).get("target").asInt(), "goldfish (MANIFEST)");
        double rel = ExplainFiles.relativeError(ExplainFiles.npy(dir.resolve("gradcam_raw.npy")),
                Transforms.relu(cam, true).divi(cam.length()), "relu(CAM)/hw");
        assertTrue(rel <= 1e-4, "Grad-CAM vs relu(CAM)/hw on MobileNet v1: " + rel);
    }

    /** (row, column) of the largest value of an H x W map. */
    private static int[] peak(INDArray map) {
        assertEquals(2, map.rank());
        long i = map.reshape(map.length()).argMax(0).getLong(0);
        return new int[] {(int) (i / map.size(1)), (int) (i % map.size(1))};
    }
}
