package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.importers.Models;
import org.xai4j.importers.PreprocessDetection;
import org.xai4j.testing.Shared;

/**
 * The preprocessing read from the shared model files, and what it does: every MobileNet top-1
 * class of ../shared/assets/MANIFEST.md with no --preprocess, where the old default (torchvision)
 * changed them; PyTorch exports without metadata keep torchvision, with a warning.
 */
class PreprocessDetectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "assets/models/mobilenet_v1_0.75_224_imagenet.onnx, inception, false, ONNX metadata 'preprocessing'",
            "assets/models/mobilenet_v2_1.0_224_imagenet.onnx, inception, false, ONNX metadata 'preprocessing'",
            "assets/models/mobilenet_v1_0.75_224_imagenet.h5, inception, false, Keras application 'mobilenet_0.75_224'",
            "assets/models/mobilenet_v2_1.0_224_imagenet.h5, inception, false, Keras application 'mobilenet_v2_1.00_224_tfslim'",
            "assets/models/teachable_machine_catdog/keras_model.h5, inception, false, Teachable Machine",
            "assets/models/teachable_machine_catdog/keras_model.onnx, inception, false, Teachable Machine",
            "oracle/resnet18/resnet18.op13_bn.onnx, torchvision, true, producer 'pytorch",
            "oracle/mobilenet_v2/mobilenet_v2.op13_bn.onnx, torchvision, true, producer 'pytorch"})
    void theFileTellsOrTheGuessSaysSo(String model, String preset, boolean guessed, String reason) {
        Path file = Shared.require(model);
        PreprocessDetection.Choice c = PreprocessDetection.detect(file, Models.load(file));
        assertEquals(Preprocess.parse(preset), c.preset(), c.reason());
        assertEquals(guessed, c.guessed(), c.reason());
        assertTrue(c.reason().contains(reason), c.reason());
    }

    /** MANIFEST.md's top-1 classes (MobileNet v1 0.75, MobileNetV2), photo by photo. */
    private static final Map<String, int[]> MANIFEST = new LinkedHashMap<>();

    static {
        MANIFEST.put("both_bullmastiff_tigercat", new int[] {243, 243});
        MANIFEST.put("zebra", new int[] {340, 340});
        MANIFEST.put("skimage_chelsea_cat", new int[] {285, 285});
        MANIFEST.put("kitten", new int[] {285, 281});
        MANIFEST.put("goldfish", new int[] {1, 1});
        MANIFEST.put("skimage_coffee", new int[] {967, 967});
        MANIFEST.put("opencv_baboon", new int[] {372, 372});
        MANIFEST.put("coral_grace_hopper", new int[] {652, 652});
        MANIFEST.put("coral_hot_dog", new int[] {934, 934});
        MANIFEST.put("opencv_fruits", new int[] {951, 951});
        MANIFEST.put("opencv_apple", new int[] {948, 945});
        MANIFEST.put("puppy_kitten", new int[] {152, 207});
        MANIFEST.put("dog_and_cat_white_background", new int[] {227, 227});
        MANIFEST.put("skimage_rocket", new int[] {682, 657});
        MANIFEST.put("skimage_astronaut", new int[] {542, 795});
    }

    @ParameterizedTest
    @CsvSource({"mobilenet_v1_0.75_224_imagenet.onnx, 0", "mobilenet_v2_1.0_224_imagenet.onnx, 1"})
    void everyManifestTop1ClassWithoutPreprocessFlag(String model, int column) throws IOException {
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("predict", "--model", Shared.require("assets/models/" + model).toString(),
                "--input", Shared.require("assets/images").toString(), "--top", "1", "--out", out.toString(), "--json").ok();
        assertTrue(r.err().lines().noneMatch(l -> l.contains("warning")), "no warning: " + r.err());
        JsonNode index = JSON.readTree(r.out());
        assertEquals("inception", index.get("preprocess").asText());
        assertEquals(MANIFEST.size(), index.get("inputs").asInt());
        for (JsonNode record : index.get("records")) {
            String photo = Path.of(record.get("file").asText()).getFileName().toString().replaceAll("\\.[^.]*$", "");
            assertEquals(MANIFEST.get(photo)[column], record.get("top").get("class").asInt(), photo);
        }
    }

    @Test
    void aGuessIsWarnedOnceAndAnExplicitPresetWins() {
        String resnet = Shared.require("oracle/resnet18/resnet18.op13_bn.onnx").toString();
        String photo = Shared.require("assets/images/goldfish.jpg").toString();
        Cli.Result guessed = Cli.run("predict", "--model", resnet, "--input", photo).ok();
        assertEquals(1, guessed.err().lines().count(), guessed.err());
        assertTrue(guessed.err().startsWith("xai4j: warning: preprocessing torchvision was guessed"), guessed.err());
        assertTrue(guessed.out().contains("preprocess: torchvision (guessed"), guessed.out());
        Cli.Result chosen = Cli.run("predict", "--model", resnet, "--input", photo, "--preprocess", "caffe", "--json").ok();
        assertTrue(chosen.err().isEmpty(), chosen.err());
        assertEquals("caffe", chosen.string("preprocess"));
        assertEquals("--preprocess caffe", chosen.string("preprocess_reason"));
    }
}
