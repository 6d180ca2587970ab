package org.xai4j.importers.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Gradients;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.importers.onnx.OnnxImporter;
import org.xai4j.layers.Softmax;
import org.xai4j.testing.Shared;

/**
 * The three real Keras files against their ONNX twins (../shared/assets/MANIFEST.md), the twin
 * imported by the ONNX importer and both run by the same engine: probabilities on random inputs
 * and on every manifest photo, and the two Grad-CAM inputs (the activation at the named layer and
 * the gradient of the top class's logit there). Each graph is imported once for the class.
 */
class KerasTwinsTest {

    /** A Keras file, its ONNX twin, the Grad-CAM layer, the pre-softmax value in each, the photos' top-1. */
    enum Twin {
        // Keras MobileNet v1 reshapes after its softmax: its logits are the 1x1 convolution's [N, K, 1, 1].
        MOBILENET_V1("assets/models/mobilenet_v1_0.75_224_imagenet", "conv_pw_13_relu", "conv_preds", "logits",
                new long[] {243, 340, 285, 285, 1, 967, 372, 652, 934, 951, 948, 152, 227, 682, 542}),
        MOBILENET_V2("assets/models/mobilenet_v2_1.0_224_imagenet", "Conv_1_relu6", "Logits", "logits",
                new long[] {243, 340, 285, 281, 1, 967, 372, 652, 934, 951, 945, 207, 227, 657, 795}),
        // The manifest lists four photos for it: Cat (0) for the two cats, Dog (1) for the other two.
        TEACHABLE_MACHINE("assets/models/teachable_machine_catdog/keras_model", "out_relu", "dense_Dense2.preact",
                "dense_Dense2.preact", new long[] {1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, 1, -1, -1, -1});

        final String file, camLayer, kerasLogits, onnxLogits;
        final long[] photoTop1;

        Twin(String file, String camLayer, String kerasLogits, String onnxLogits, long[] photoTop1) {
            this.file = file;
            this.camLayer = camLayer;
            this.kerasLogits = kerasLogits;
            this.onnxLogits = onnxLogits;
            this.photoTop1 = photoTop1;
        }
    }

    static final String[] PHOTOS = {"both_bullmastiff_tigercat.png", "zebra.jpg", "skimage_chelsea_cat.png", "kitten.jpg",
        "goldfish.jpg", "skimage_coffee.png", "opencv_baboon.jpg", "coral_grace_hopper.bmp", "coral_hot_dog.jpg",
        "opencv_fruits.jpg", "opencv_apple.jpg", "puppy_kitten.jpg", "dog_and_cat_white_background.jpg",
        "skimage_rocket.jpg", "skimage_astronaut.png"};

    private static final Map<Twin, Graph> KERAS = new EnumMap<>(Twin.class);
    private static final Map<Twin, Graph> ONNX = new EnumMap<>(Twin.class);
    /** The photos, preprocessed, as one batch [15, 3, 224, 224] in PHOTOS order. */
    private static INDArray photos;

    @BeforeAll
    static void importAll() {
        List<INDArray> xs = new ArrayList<>();
        for (String p : PHOTOS) {
            xs.add(Preprocess.INCEPTION.apply(Images.load(Shared.require("assets/images/" + p), 224)));
        }
        photos = Nd4j.concat(0, xs.toArray(INDArray[]::new));
        for (Twin t : Twin.values()) {
            Path h5 = Shared.require(t.file + ".h5");
            long t0 = System.nanoTime();
            KERAS.put(t, KerasImporter.load(h5));
            System.out.printf("[keras import] %s: %.0f ms (one measurement on a shared machine)%n",
                    h5.getFileName(), (System.nanoTime() - t0) / 1e6);
            ONNX.put(t, OnnxImporter.load(Shared.require(t.file + ".onnx")));
        }
    }

    /**
     * Probabilities of the twin: a softmax over its logits (the MobileNet twins stop before it),
     * one example at a time since the ONNX files fix the batch at 1.
     */
    static INDArray onnxProbabilities(Twin twin, INDArray x) {
        Graph g = ONNX.get(twin);
        List<INDArray> rows = new ArrayList<>();
        for (long n = 0; n < x.size(0); n++) {
            INDArray xn = x.get(NDArrayIndex.interval(n, n + 1)).dup();
            rows.add(g.run(Map.of(g.inputs().get(0).name(), xn), List.of(twin.onnxLogits)).get(twin.onnxLogits));
        }
        return Transforms.softmax(Nd4j.concat(0, rows.toArray(INDArray[]::new)).castTo(DataType.DOUBLE), true);
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        assertArrayEquals(b.shape(), a.shape(), "shapes");
        return Transforms.abs(a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
    }

    /** max |a - b| / max |b|: relative to the largest entry, so the many exact zeros of a ReLU6 map do not blow it up. */
    static double relativeError(INDArray a, INDArray b) {
        return maxAbsDiff(a, b) / Transforms.abs(b.castTo(DataType.DOUBLE)).maxNumber().doubleValue();
    }

    /** One-hot seeds [N, K] at each row's largest entry. */
    static INDArray topClassSeed(INDArray scores) {
        INDArray seed = Nd4j.zeros(DataType.FLOAT, scores.shape());
        INDArray top = scores.argMax(1);
        for (int n = 0; n < scores.size(0); n++) {
            seed.putScalar(n, top.getLong(n), 1.0);
        }
        return seed;
    }

    @ParameterizedTest
    @EnumSource(Twin.class)
    void namesResolveOnBothTwins(Twin twin) {
        Graph keras = KERAS.get(twin), onnx = ONNX.get(twin);
        assertArrayEquals(new long[] {-1, 3, 224, 224}, keras.inputs().get(0).shape());
        keras.node(twin.camLayer);
        onnx.node(twin.camLayer);
        onnx.node(twin.onnxLogits);
        Node out = keras.node(keras.outputs().get(0));
        Node softmax = out.layer() instanceof Softmax ? out : keras.node(out.inputs().get(0));
        assertInstanceOf(Softmax.class, softmax.layer(), "the output is a softmax, or a reshape of one");
        assertEquals(twin.kerasLogits, softmax.inputs().get(0), "the softmax reads the logits");
    }

    /**
     * Probabilities agree to 1e-5 absolute: both graphs compute in float32 with the same weights,
     * in a different order (batch norms folded differently, biases added at other points), so they
     * differ by float32 rounding; the MANIFEST reports about 1e-5 between the original twins.
     */
    @ParameterizedTest
    @EnumSource(Twin.class)
    void probabilitiesAgreeOnRandomInputs(Twin twin) {
        Nd4j.getRandom().setSeed(7);
        // Two random inputs in the preprocessed range [-1, 1], as one batch.
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224).muli(2).subi(1);
        INDArray pk = KERAS.get(twin).predict(x);
        INDArray po = onnxProbabilities(twin, x);
        double diff = maxAbsDiff(pk, po);
        System.out.printf("[keras vs onnx] %s random: max |p_keras - p_onnx| = %.3g%n", twin, diff);
        assertTrue(diff < 1e-5, twin + " probabilities differ by " + diff);
        assertEquals(po.argMax(1), pk.argMax(1));
    }

    /**
     * Every photo the manifest lists for the model, inception preprocessing: the twins agree to
     * 1e-5 and give the listed top-1 classes (those ONNX Runtime gives on the twins).
     */
    @ParameterizedTest
    @EnumSource(Twin.class)
    void probabilitiesAgreeOnEveryPhoto(Twin twin) {
        List<Integer> listed = new ArrayList<>();
        for (int i = 0; i < PHOTOS.length; i++) {
            if (twin.photoTop1[i] >= 0) {
                listed.add(i);
            }
        }
        INDArray x = Nd4j.concat(0, listed.stream().map(i -> photos.get(NDArrayIndex.interval(i, i + 1))).toArray(INDArray[]::new));
        INDArray pk = KERAS.get(twin).predict(x);
        INDArray po = onnxProbabilities(twin, x);
        double diff = maxAbsDiff(pk, po);
        System.out.printf("[keras vs onnx] %s %d photos: max |p_keras - p_onnx| = %.3g%n", twin, listed.size(), diff);
        assertTrue(diff < 1e-5, twin + " probabilities differ by " + diff);
        long[] top = pk.argMax(1).toLongVector();
        for (int j = 0; j < listed.size(); j++) {
            assertEquals(twin.photoTop1[listed.get(j)], top[j], twin + " top-1 of " + PHOTOS[listed.get(j)]);
        }
    }

    /**
     * The Grad-CAM inputs agree to 1e-4 relative: the activation at the layer, and the gradient
     * of the top class's logit there (the engine's Tape.backward on each graph); so does the
     * gradient at the input image. Float32 rounding
     * over ~100 layers taken in a different order stays near 1e-6 of the largest entry.
     */
    @ParameterizedTest
    @EnumSource(Twin.class)
    void gradCamInputsAgree(Twin twin) {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224).muli(2).subi(1);
        try (Tape tk = KERAS.get(twin).forward(x); Tape to = ONNX.get(twin).forward(x)) {
            INDArray z = tk.value(twin.kerasLogits);
            INDArray seed = topClassSeed(z.reshape(z.size(0), z.length() / z.size(0)));
            double activation = relativeError(tk.value(twin.camLayer), to.value(twin.camLayer));
            String ki = KERAS.get(twin).inputs().get(0).name(), oi = ONNX.get(twin).inputs().get(0).name();
            Gradients gk = tk.backward(twin.kerasLogits, seed.reshape(z.shape()), List.of(twin.camLayer, ki));
            Gradients go = to.backward(twin.onnxLogits, seed, List.of(twin.camLayer, oi));
            double gradient = relativeError(gk.get(twin.camLayer), go.get(twin.camLayer));
            double input = relativeError(gk.get(ki), go.get(oi));
            System.out.printf("[keras vs onnx] %s at %s: activation rel %.3g, top-class gradient rel %.3g; "
                    + "input gradient rel %.3g%n", twin, twin.camLayer, activation, gradient, input);
            assertTrue(activation < 1e-4, twin + " activation rel error " + activation);
            assertTrue(gradient < 1e-4, twin + " gradient rel error " + gradient);
            // The saliency input: the same backward through every layer, same tolerance.
            assertTrue(input < 1e-4, twin + " input gradient rel error " + input);
        }
    }
}
