package org.xai4j.importers.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.testing.Shared;

/**
 * Every photo of ../shared/assets/MANIFEST.md through the imported Keras models, with the
 * inception preprocessing ({@code x / 127.5 - 1}) and the manifest's whole-photo bilinear resize:
 * the top-1 classes ONNX Runtime gives on the ONNX twins.
 */
class KerasPhotosTest {
    static final String[] PHOTOS = {"both_bullmastiff_tigercat.png", "zebra.jpg", "skimage_chelsea_cat.png", "kitten.jpg",
        "goldfish.jpg", "skimage_coffee.png", "opencv_baboon.jpg", "coral_grace_hopper.bmp", "coral_hot_dog.jpg",
        "opencv_fruits.jpg", "opencv_apple.jpg", "puppy_kitten.jpg", "dog_and_cat_white_background.jpg",
        "skimage_rocket.jpg", "skimage_astronaut.png"};
    static final long[] V1_TOP1 = {243, 340, 285, 285, 1, 967, 372, 652, 934, 951, 948, 152, 227, 682, 542};
    static final long[] V2_TOP1 = {243, 340, 285, 281, 1, 967, 372, 652, 934, 951, 945, 207, 227, 657, 795};

    /** The photos as one preprocessed batch [15, 3, 224, 224], in PHOTOS order. */
    static INDArray batch;

    @BeforeAll
    static void photos() {
        List<INDArray> xs = new ArrayList<>();
        for (String p : PHOTOS) {
            xs.add(Preprocess.INCEPTION.apply(Images.load(Shared.require("assets/images/" + p), 224)));
        }
        batch = Nd4j.concat(0, xs.toArray(INDArray[]::new));
    }

    static long[] top1(INDArray probabilities) {
        return probabilities.argMax(1).toLongVector();
    }

    @Test
    void mobileNetV1TopClassesMatchTheManifest() {
        Graph g = KerasModelsTest.load("assets/models/mobilenet_v1_0.75_224_imagenet.h5");
        assertEquals(List.of(box(V1_TOP1)), List.of(box(top1(g.predict(batch)))));
    }

    @Test
    void mobileNetV2TopClassesMatchTheManifest() {
        Graph g = KerasModelsTest.load("assets/models/mobilenet_v2_1.0_224_imagenet.h5");
        assertEquals(List.of(box(V2_TOP1)), List.of(box(top1(g.predict(batch)))));
    }

    /** Cats (class 0) and dogs (class 1) with probability 1.00 to two decimals, as listed. */
    @Test
    void teachableMachineTellsCatsFromDogs() {
        Graph g = KerasModelsTest.load("assets/models/teachable_machine_catdog/keras_model.h5");
        INDArray p = g.predict(batch);
        int[] photos = {2, 3, 0, 11};
        long[] expected = {0, 0, 1, 1};
        for (int i = 0; i < photos.length; i++) {
            assertEquals(expected[i], p.getRow(photos[i]).argMax().getLong(), PHOTOS[photos[i]]);
            assertEquals(1.0, p.getRow(photos[i]).maxNumber().doubleValue(), 0.005, PHOTOS[photos[i]]);
        }
    }

    private static Long[] box(long[] a) {
        Long[] b = new Long[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i];
        }
        return b;
    }
}
