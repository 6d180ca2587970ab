package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;
import org.xai4j.testing.Shared;

/**
 * Files written by {@link OnnxExporter} run in ONNX Runtime, an independent implementation, and
 * give xai4j's own outputs: the oracle's PyTorch models imported and written again, the
 * pretrained ONNX and Keras models of ../shared/assets, the zoo's builders, and seeded graphs with every layer type (each at a batch other than 1, through the
 * symbolic batch dimension).
 */
class OnnxExportRuntimeTest {
    // Both sides compute in float32 from the same float32 weights; they differ only in the order
    // in which convolutions, GEMMs and poolings accumulate their sums (oneDNN and OpenBLAS blocks
    // against ONNX Runtime's MLAS), each sum carrying rounding of order 1e-7 relative to its
    // terms. Through 20 to 60 layers that stays below 1e-5 of the largest logit, which is the
    // issue's bound; a wrong pad, layout or rule moves logits by O(1) of their range.
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    static Stream<Arguments> oracle() {
        return Stream.of(
                Arguments.of("tiny", "op13_bn", false),
                Arguments.of("tiny", "op13_bn", true),
                Arguments.of("tiny", "default", true),
                Arguments.of("resnet18", "op13_bn", false),
                Arguments.of("resnet18", "op13_bn", true),
                Arguments.of("mobilenet_v2", "op13_bn", false),
                Arguments.of("mobilenet_v2", "op13_bn", true),
                Arguments.of("mobilenet_v2", "default", true));
    }

    @ParameterizedTest(name = "{0} {1} foldBatchNorm={2}")
    @MethodSource("oracle")
    void oracleModelsReexported(String model, String variant, boolean fold) throws OrtException {
        Path source = Shared.require("oracle/" + model + "/" + model + "." + variant + ".onnx");
        Graph graph = OnnxImporter.load(source, OnnxImporter.Options.DEFAULT.withFoldBatchNorm(fold));
        INDArray x = Fixtures.npy("oracle/" + model + "/input.npy");
        Map<String, INDArray> ort = agree(model + " " + variant + " fold=" + fold, graph, x);
        // The exported file and the original give ONNX Runtime the same logits, to its own rounding.
        Map<String, INDArray> original = run(source, graph.inputs().get(0).name(), x);
        double rel = Fixtures.rel(ort.get(graph.outputs().get(0)), original.values().iterator().next());
        System.out.printf("ORT exported vs original file %s %s fold=%s: rel %.3g%n", model, variant, fold, rel);
        assertTrue(rel <= TOLERANCE, "ONNX Runtime on the exported file against the original: " + rel);
    }

    /** The pretrained models of ../shared/assets, Keras files included: xai4j reads them, writes ONNX, ONNX Runtime runs it. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"models/mobilenet_v1_0.75_224_imagenet.h5", "models/mobilenet_v2_1.0_224_imagenet.h5",
        "models/teachable_machine_catdog/keras_model.h5", "models/mobilenet_v1_0.75_224_imagenet.onnx"})
    void pretrainedModels(String model) throws OrtException {
        Graph graph = org.xai4j.importers.Models.load(Shared.require("assets/" + model));
        Nd4j.getRandom().setSeed(9);
        // The range of these models' preprocessing, x / 127.5 - 1.
        agree(model, graph, Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224).muli(2).subi(1), SOFTMAX_TOLERANCE);
    }

    // The Keras files end in a softmax, and on this noise input MobileNet v1's largest output is a
    // probability of 0.056, so "of the largest value" is relative to a small number. Against a
    // float64 run of the same graph (measured at 2026-12-06): ONNX Runtime 2.7e-6, xai4j's plans
    // 9.3e-6 in 16-channel blocks (AVX-512 kernels) and 5.1e-6 in 8-channel blocks, xai4j's
    // node-by-node engine 1.15e-5; the two float32 sides then differ by up to 1.1e-5. A wrong
    // layer still moves these outputs by O(1) of their range.
    private static final double SOFTMAX_TOLERANCE = 2e-5;

    /**
     * The bundled models of models/ (xai4j trained and exported them): ONNX Runtime runs the
     * committed files themselves and agrees with xai4j's logits on shapes images of their kind.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"shapes.onnx", "clever_hans.onnx", "shuffled_labels.onnx"})
    void bundledModels(String file) throws OrtException {
        Path model = Path.of("..", "models", file);
        Graph graph = org.xai4j.importers.Models.load(model);
        Nd4j.getRandom().setSeed(11);
        // torchvision preprocessing of 8-bit pixels: roughly -2.1 to 2.6
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64).muli(4.7).subi(2.1);
        String input = graph.inputs().get(0).name();
        INDArray expected = graph.run(Map.of(input, x), graph.outputs()).get(graph.outputs().get(0));
        INDArray actual = run(model, input, x).values().iterator().next();
        double rel = Fixtures.rel(actual, expected);
        System.out.printf("ORT on bundled %s: rel %.3g (max |logit| %.3g)%n", file, rel, expected.amaxNumber().doubleValue());
        assertTrue(rel <= TOLERANCE, file + ": ONNX Runtime differs by " + rel + " of the largest logit");
    }

    static Stream<Arguments> zoo() {
        return Stream.of(
                Arguments.of("resnet18", ResNet.resnet18(7)),
                Arguments.of("mobilenet_v1_0.25", MobileNet.v1(7, 0.25)),
                Arguments.of("mobilenet_v2", MobileNet.v2(7)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("zoo")
    void zooBuilders(String name, Graph graph) throws OrtException {
        Nd4j.getRandom().setSeed(5);
        agree(name, graph, Nd4j.randn(DataType.FLOAT, 2, 3, 224, 224));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void everyLayer(long seed) throws OrtException {
        Graph graph = ExportGraphs.everyLayer(seed);
        long size = graph.inputs().get(0).shape()[2];
        Nd4j.getRandom().setSeed(seed);
        agree("every layer seed " + seed, graph, Nd4j.randn(DataType.FLOAT, 3, 3, size, size));
    }

    /** "Same" windows on an input of free size are auto_pad: ONNX Runtime computes the pads per input size. */
    @ParameterizedTest(name = "{0}x{1}")
    @org.junit.jupiter.params.provider.CsvSource({"17,23", "32,32", "9,14"})
    void freeInputSize(int h, int w) throws OrtException {
        Graph graph = ExportGraphs.freeSize(3);
        assertTrue(OnnxExporter.export(graph, Map.of()).getGraph().getNode(0).getAttributeList().stream()
                .anyMatch(a -> a.getName().equals("auto_pad")));
        Nd4j.getRandom().setSeed(h * 100 + w);
        agree("free size " + h + "x" + w, graph, Nd4j.randn(DataType.FLOAT, 2, 3, h, w));
    }

    /** Exports {@code graph}, runs the file in ONNX Runtime and compares every output with xai4j's; ONNX Runtime's outputs. */
    private Map<String, INDArray> agree(String label, Graph graph, INDArray x) throws OrtException {
        return agree(label, graph, x, TOLERANCE);
    }

    private Map<String, INDArray> agree(String label, Graph graph, INDArray x, double tolerance) throws OrtException {
        Path file = dir.resolve("exported.onnx");
        OnnxChecks.check(OnnxExporter.export(graph, Map.of()));
        OnnxExporter.write(graph, file, Map.of(OnnxExporter.PREPROCESS, "none"));
        String input = graph.inputs().get(0).name();
        Map<String, INDArray> expected = graph.run(Map.of(input, x), graph.outputs());
        Map<String, INDArray> actual = run(file, input, x);
        assertEquals(graph.outputs(), java.util.List.copyOf(actual.keySet()), "output names");
        for (String out : graph.outputs()) {
            assertArrayEquals(expected.get(out).shape(), actual.get(out).shape(), out);
            double rel = Fixtures.rel(actual.get(out), expected.get(out));
            System.out.printf("ORT on exported %s, %s: rel %.3g (max |y| %.3g)%n", label, out, rel,
                    expected.get(out).amaxNumber().doubleValue());
            assertTrue(rel <= tolerance, label + " " + out + ": ONNX Runtime differs by " + rel + " of the largest value");
        }
        return actual;
    }

    /** Every output of the model in {@code file} on {@code x}, by name, as ONNX Runtime computes it. */
    static Map<String, INDArray> run(Path file, String input, INDArray x) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data().asFloat()), x.shape());
             OrtSession.Result r = session.run(Map.of(input, t))) {
            for (Map.Entry<String, OnnxValue> e : r) {
                OnnxTensor y = (OnnxTensor) e.getValue();
                FloatBuffer b = y.getFloatBuffer();
                float[] v = new float[b.remaining()];
                b.get(v);
                outputs.put(e.getKey(), Nd4j.create(v, y.getInfo().getShape(), 'c'));
            }
        }
        return outputs;
    }
}
