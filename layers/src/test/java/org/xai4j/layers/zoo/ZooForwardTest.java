package org.xai4j.layers.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Tape;
import org.xai4j.layers.BatchNormFolding;

/**
 * The zoo networks run: stage shapes are ImageNet's, and with seeded weights the activations
 * keep their scale through the depth, the logits have a spread and the input gradient is not
 * vanishing, which is what explainers tested on them need.
 */
class ZooForwardTest {

    /** A standardised "image": N(0, 1) per pixel, like a normalised photo, seeded. */
    static INDArray image(long seed, int n) {
        Random rng = new Random(seed);
        float[] v = new float[n * 3 * 224 * 224];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {n, 3, 224, 224}, 'c');
    }

    static double rms(INDArray a) {
        return Math.sqrt(a.castTo(DataType.DOUBLE).mul(a.castTo(DataType.DOUBLE)).meanNumber().doubleValue());
    }

    /**
     * Forward and backward from the top logit of each sample; checks shapes and scales.
     * Bounds: a stage RMS in [0.1, 30] and logit spread in [0.05, 30] allow two orders of
     * magnitude around the ~1 the initialisation aims for; an exploding (2^depth) or vanishing
     * network leaves them by many orders. The input gradient bound 1e-6 is two orders below the
     * ~2e-4 per pixel these networks give (a logit spread over 150k pixels), and far above the
     * exact zeros or underflow of a dead one.
     */
    private static void check(Graph g, int n, Map<String, long[]> stageShapes) {
        INDArray x = image(42, n);
        try (Tape t = g.forward(x)) {
            for (Map.Entry<String, long[]> e : stageShapes.entrySet()) {
                INDArray v = t.value(e.getKey());
                assertArrayEquals(e.getValue(), v.shape(), e.getKey());
                double r = rms(v);
                assertTrue(r > 0.1 && r < 30, e.getKey() + " RMS " + r);
            }
            INDArray logits = t.output();
            assertArrayEquals(new long[] {n, 1000}, logits.shape());
            assertEquals(DataType.FLOAT, logits.dataType());
            assertFalse(logits.isNaN().any() || logits.isInfinite().any(), "finite logits");
            INDArray seed = Nd4j.zeros(DataType.FLOAT, n, 1000);
            for (int i = 0; i < n; i++) {
                double spread = logits.getRow(i).stdNumber().doubleValue();
                assertTrue(spread > 0.05 && spread < 30, "logit spread " + spread);
                seed.putScalar(i, logits.getRow(i).argMax().getInt(0), 1);
            }
            INDArray dx = t.backward("logits", seed, List.of("input")).get("input");
            assertArrayEquals(x.shape(), dx.shape());
            assertFalse(dx.isNaN().any(), "finite input gradient");
            double meanAbs = dx.castTo(DataType.DOUBLE).norm1Number().doubleValue() / dx.length();
            assertTrue(meanAbs > 1e-6, "input gradient mean |dx| " + meanAbs);
        }
    }

    private static Map<String, long[]> shapes(Object... nameShape) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameShape.length; i += 2) {
            m.put((String) nameShape[i], (long[]) nameShape[i + 1]);
        }
        return m;
    }

    @Test
    void resnet18() {
        check(ResNet.resnet18(1), 2, shapes("maxpool", new long[] {2, 64, 56, 56}, "layer1", new long[] {2, 64, 56, 56},
                "layer2", new long[] {2, 128, 28, 28}, "layer3", new long[] {2, 256, 14, 14}, "layer4", new long[] {2, 512, 7, 7}));
    }

    @Test
    void resnet50() {
        check(ResNet.resnet50(1), 1, shapes("layer1", new long[] {1, 256, 56, 56}, "layer2", new long[] {1, 512, 28, 28},
                "layer3", new long[] {1, 1024, 14, 14}, "layer4", new long[] {1, 2048, 7, 7}));
    }

    @Test
    void mobilenetV1() {
        check(MobileNet.v1(1, 1.0), 1, shapes("conv1_relu", new long[] {1, 32, 112, 112}, "conv_pw_1_relu", new long[] {1, 64, 112, 112},
                "conv_pw_5_relu", new long[] {1, 256, 28, 28}, "features", new long[] {1, 1024, 7, 7}));
        Map<String, INDArray> half = MobileNet.v1(2, 0.5).run(Map.of("input", image(3, 1)), List.of("features", "logits"));
        assertArrayEquals(new long[] {1, 512, 7, 7}, half.get("features").shape());
        assertArrayEquals(new long[] {1, 1000}, half.get("logits").shape());
    }

    @Test
    void mobilenetV2() {
        check(MobileNet.v2(1), 1, shapes("features.0", new long[] {1, 32, 112, 112}, "features.1", new long[] {1, 16, 112, 112},
                "features.3", new long[] {1, 24, 56, 56}, "features.6", new long[] {1, 32, 28, 28},
                "features.13", new long[] {1, 96, 14, 14}, "features.17", new long[] {1, 320, 7, 7},
                "features.18", new long[] {1, 1280, 7, 7}));
    }

    @Test
    void foldingKeepsLogitsGradientsAndGradCamNames() {
        // MobileNet v1 at width 0.25: cheap, yet with "same" padding, explicit pads and depthwise convolutions.
        Graph g = MobileNet.v1(3, 0.25);
        Graph folded = BatchNormFolding.fold(g);
        assertEquals(g.nodes().size() - 27, folded.nodes().size(), "all 27 batch norms fold into their convolutions");
        assertEquals("conv_pw_13_relu", folded.resolve("features"));
        assertEquals("reshape_2", folded.resolve("logits"));
        INDArray x = image(5, 1);
        List<INDArray> logits = new ArrayList<>(), grads = new ArrayList<>();
        for (Graph net : List.of(g, folded)) {
            try (Tape t = net.forward(x)) {
                logits.add(t.output().dup());
                INDArray seed = Nd4j.zeros(DataType.FLOAT, 1, 1000).putScalar(0, 7, 1);
                grads.add(t.backward("logits", seed, List.of("input")).get("input").dup());
            }
        }
        // float32 through 28 convolutions, folded weights rounded once: agreement to ~1e-5 of the scale, checked at 1e-3.
        double scale = rms(logits.get(0));
        assertTrue(rms(logits.get(0).sub(logits.get(1))) < 1e-3 * scale, "folded logits differ");
        double gScale = rms(grads.get(0));
        assertTrue(rms(grads.get(0).sub(grads.get(1))) < 1e-3 * gScale, "folded input gradients differ");
    }
}
