package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.testing.Shared;

/**
 * The real models on the real photos of ../shared/assets, preprocessed as their MANIFEST.md
 * says ({@code x / 127.5 - 1} after resizing the whole photo to 224 x 224): the top-1 class
 * listed there for every photo, and agreement with ONNX Runtime on the same tensors.
 */
class OnnxPhotosTest {
    // Same justification as OnnxRuntimeAgreementTest: float32 rounding moves logits by ~1e-6.
    private static final double TOLERANCE = 1e-4;

    /** Rows of MANIFEST.md's table: {@code | `photo` | <v1 class> name p | <v2 class> name p |}. */
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)`[^|]*\\| (\\d+) [^|]*\\| (\\d+) [^|]*\\|");

    private record Expected(String photo, int mobilenetV1, int mobilenetV2) {}

    private static List<Expected> manifest() throws IOException {
        List<Expected> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Shared.require("assets/MANIFEST.md"))) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                rows.add(new Expected(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
            }
        }
        assertEquals(15, rows.size(), "photos listed in MANIFEST.md");
        return rows;
    }

    private static INDArray photo(String name) {
        return Preprocess.INCEPTION.apply(Images.load(Shared.require("assets/images/" + name), 224));
    }

    @Test
    void mobileNetTop1OnEveryListedPhotoAndAgreementWithOnnxRuntime() throws IOException, OrtException {
        List<Expected> expected = manifest();
        Map<String, INDArray> photos = new LinkedHashMap<>();
        for (Expected e : expected) {
            photos.put(e.photo(), photo(e.photo()));
        }
        List<String> wrong = new ArrayList<>();
        for (int version = 1; version <= 2; version++) {
            Path file = Shared.require(version == 1 ? "assets/models/mobilenet_v1_0.75_224_imagenet.onnx"
                    : "assets/models/mobilenet_v2_1.0_224_imagenet.onnx");
            Graph graph = OnnxImporter.load(file);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            double worst = 0;
            try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
                for (Expected e : expected) {
                    INDArray x = photos.get(e.photo());
                    INDArray logits = graph.predict(x);
                    worst = Math.max(worst, Fixtures.rel(logits, OnnxRuntimeAgreementTest.run(env, session, "input", x)));
                    int top1 = logits.argMax(1).getInt(0);
                    int listed = version == 1 ? e.mobilenetV1() : e.mobilenetV2();
                    if (top1 != listed) {
                        wrong.add("MobileNet v" + version + " " + e.photo() + ": top-1 " + top1 + ", MANIFEST.md lists " + listed);
                    }
                }
            }
            System.out.printf("photos MobileNet v%d: %d photos, max relative difference to ONNX Runtime %.3g%n",
                    version, expected.size(), worst);
            assertTrue(worst <= TOLERANCE, "MobileNet v" + version + " vs ONNX Runtime on photos: " + worst);
        }
        assertTrue(wrong.isEmpty(), String.join("; ", wrong));
    }

    @Test
    void teachableMachineSaysCatOrDogAsTheManifestDoes() {
        Graph graph = OnnxImporter.load(Shared.require("assets/models/teachable_machine_catdog/keras_model.onnx"));
        // MANIFEST.md: chelsea_cat and kitten -> Cat 1.00; bullmastiff_tigercat and puppy_kitten -> Dog 1.00.
        Map<String, Integer> expected = Map.of("skimage_chelsea_cat.png", 0, "kitten.jpg", 0,
                "both_bullmastiff_tigercat.png", 1, "puppy_kitten.jpg", 1);
        expected.forEach((name, label) -> {
            INDArray p = graph.predict(photo(name));
            System.out.printf("photos Teachable Machine %s: Cat %.4f Dog %.4f%n", name, p.getDouble(0, 0), p.getDouble(0, 1));
            assertEquals(label, p.argMax(1).getInt(0), name);
            assertTrue(p.getDouble(0, label) > 0.99, name + " probability " + p.getDouble(0, label));
        });
    }
}
