package org.xai4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PreprocessTest {
    /** One pixel R = 255, G = 0, B = 128 as [1, 3, 1, 1]. */
    private static INDArray pixel() {
        return Nd4j.createFromArray(255f, 0f, 128f).reshape(1, 3, 1, 1);
    }

    // float32 arithmetic on values of a few hundred: 1e-5 relative is a few ulps.
    private static void assertPixel(INDArray y, double... expected) {
        for (int c = 0; c < 3; c++) {
            assertEquals(expected[c], y.getDouble(0, c, 0, 0), 1e-5 * Math.max(1, Math.abs(expected[c])), "channel " + c);
        }
    }

    @Test
    void torchvisionScalesThenStandardises() {
        assertPixel(Preprocess.TORCHVISION.apply(pixel()),
                (1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128 / 255.0 - 0.406) / 0.225);
    }

    @Test
    void inceptionMapsToMinusOneOne() {
        assertPixel(Preprocess.INCEPTION.apply(pixel()), 1, -1, 128 / 127.5 - 1);
    }

    @Test
    void caffeReordersToBgrAndSubtractsTheBgrMeans() {
        // Channel 0 is blue now: 128 - 103.939; channel 2 is red: 255 - 123.68.
        assertPixel(Preprocess.CAFFE.apply(pixel()), 128 - 103.939, 0 - 116.779, 255 - 123.68);
    }

    @Test
    void noneKeepsValuesAndNeverWritesTheInput() {
        INDArray x = pixel();
        assertPixel(Preprocess.NONE.apply(x), 255, 0, 128);
        Preprocess.TORCHVISION.apply(x);
        Preprocess.CAFFE.apply(x);
        assertPixel(x, 255, 0, 128);
    }

    @Test
    void parsesCommandLineNamesAndListsThemOnError() {
        assertEquals(Preprocess.CAFFE, Preprocess.parse("Caffe"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preprocess.parse("imagenet"));
        assertTrue(e.getMessage().contains("torchvision, inception, caffe, none"), e.getMessage());
    }

    @Test
    void rejectsTensorsThatAreNotRgb() {
        assertThrows(IllegalArgumentException.class, () -> Preprocess.INCEPTION.apply(Nd4j.zeros(1, 1, 4, 4)));
    }
}
