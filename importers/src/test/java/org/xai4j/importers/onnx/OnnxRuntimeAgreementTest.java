package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.testing.Shared;

/**
 * The real pretrained models of ../shared/assets against ONNX Runtime, an independent
 * implementation, on the same input tensors: the oracle's standard-normal input and seeded
 * uniform tensors in [-1, 1], the range of the models' preprocessing ({@code x / 127.5 - 1}).
 */
class OnnxRuntimeAgreementTest {
    // Both sides compute in float32 with different summation orders and kernels; on these
    // networks that moves logits by about 1e-6 relative. 1e-4 catches any wrong pad, layout or
    // rule (errors of order 1) with a wide margin for rounding.
    private static final double TOLERANCE = 1e-4;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("models/mobilenet_v1_0.75_224_imagenet.onnx", true),
                Arguments.of("models/mobilenet_v1_0.75_224_imagenet.onnx", false),
                Arguments.of("models/mobilenet_v2_1.0_224_imagenet.onnx", true),
                Arguments.of("models/teachable_machine_catdog/keras_model.onnx", true));
    }

    @ParameterizedTest(name = "{0} foldBatchNorm={1}")
    @MethodSource("models")
    void logitsAgreeWithOnnxRuntime(String model, boolean fold) throws OrtException {
        Path file = Shared.require("assets/" + model);
        Graph graph = OnnxImporter.load(file, OnnxImporter.Options.DEFAULT.withFoldBatchNorm(fold));
        Map<String, INDArray> inputs = new LinkedHashMap<>();
        inputs.put("oracle input", Fixtures.npy("oracle/mobilenet_v2/input.npy"));
        for (int seed = 1; seed <= 2; seed++) {
            Nd4j.getRandom().setSeed(seed);
            inputs.put("uniform seed " + seed, Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224).muli(2).subi(1));
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            String inputName = session.getInputNames().iterator().next();
            assertEquals(inputName, graph.inputs().get(0).name());
            for (Map.Entry<String, INDArray> in : inputs.entrySet()) {
                INDArray expected = run(env, session, inputName, in.getValue());
                INDArray actual = graph.predict(in.getValue());
                double rel = Fixtures.rel(actual, expected);
                System.out.printf("ORT %s fold=%s %s: rel %.3g, top-1 %d vs %d%n", model, fold, in.getKey(), rel,
                        actual.argMax(1).getInt(0), expected.argMax(1).getInt(0));
                assertTrue(rel <= TOLERANCE, model + " " + in.getKey() + ": relative difference to ONNX Runtime " + rel);
            }
        }
    }

    static INDArray run(OrtEnvironment env, OrtSession session, String inputName, INDArray x) throws OrtException {
        float[] data = x.dup('c').data().asFloat();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), x.shape());
             OrtSession.Result r = session.run(Map.of(inputName, t))) {
            float[][] y = (float[][]) r.get(0).getValue();
            return Nd4j.create(y);
        }
    }
}
