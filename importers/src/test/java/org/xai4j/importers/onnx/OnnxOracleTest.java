package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Gradients;
import org.xai4j.engine.Tape;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.testing.Shared;

/**
 * The imported ONNX fixtures against PyTorch's float64 reference (../shared/oracle): logits,
 * the activation at every CAM layer, the input gradient and the gradient at every CAM layer,
 * for the logit of index.json's target class. Each ONNX variant is checked with batch norm
 * folded into the convolutions (the default) and, where the file keeps BatchNormalization
 * nodes, with them kept as layers; and once more in float64, where nothing but the reference's
 * own rounding is left to excuse a difference.
 */
class OnnxOracleTest {
    // A correct float32 implementation differs from the float64 reference by up to 2.1e-5
    // (index.json float32_vs_float64: mobilenet_v2 act_features_last; most arrays <= 1e-6).
    // 1e-4 leaves room for a different summation order while still catching any wrong rule,
    // pad or layout, which shows up as an O(1) relative error.
    private static final double FLOAT32 = 1e-4;

    // The random mobilenet_v2's input gradient crosses a ReLU6 kink that float32 cannot
    // resolve: at /features/features.16/conv/conv.1 one pre-activation is 1.7e-5 in float64
    // (values up to 12, float32 rounding differences up to 1.1e-4 there) and changes sign in
    // our float32 pass, switching one gradient path on or off; that moves d logit/d input by
    // 1e-3 to 7e-3 relative depending on the variant. PyTorch's float32 run happened to keep
    // the sign. The float64 cases below check the same gradient exactly.
    private static final double FLOAT32_MOBILENET_GRAD = 3e-2;

    // With parameters and arithmetic in float64 (BatchNormalization kept, so the file's float32
    // weights are used exactly as PyTorch's float64 run used them) only the reference's one
    // rounding to float32 remains: about 6e-8 relative. Measured here: <= 4e-8.
    private static final double FLOAT64 = 1e-6;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("tiny", "op13_bn", true, false),
                Arguments.of("tiny", "op13_bn", false, false),
                Arguments.of("tiny", "default", true, false),
                Arguments.of("tiny", "op13_bn", false, true),
                Arguments.of("resnet18", "op13_bn", true, false),
                Arguments.of("resnet18", "op13_bn", false, false),
                Arguments.of("resnet18", "op13_bn", false, true),
                Arguments.of("mobilenet_v2", "op13_bn", true, false),
                Arguments.of("mobilenet_v2", "op13_bn", false, false),
                Arguments.of("mobilenet_v2", "default", true, false),
                Arguments.of("mobilenet_v2", "op13_bn", false, true));
    }

    private static double tolerance(String model, String array, boolean float64) {
        if (float64) {
            return FLOAT64;
        }
        return model.equals("mobilenet_v2") && array.equals("grad") ? FLOAT32_MOBILENET_GRAD : FLOAT32;
    }

    @ParameterizedTest(name = "{0} {1} foldBatchNorm={2} float64={3}")
    @MethodSource("cases")
    void matchesPyTorchFloat64(String model, String variant, boolean fold, boolean float64) {
        JsonNode info = Fixtures.oracleIndex().get(model);
        JsonNode onnx = info.get("onnx").get(variant);
        Graph graph = OnnxImporter.load(Shared.require("oracle/" + onnx.get("file").asText()),
                OnnxImporter.Options.DEFAULT.withFoldBatchNorm(fold));

        long batchNorms = graph.nodes().stream().filter(n -> n.layer() instanceof BatchNorm2d).count();
        assertEquals(fold ? 0 : onnx.get("n_batchnorm_nodes").asLong(), batchNorms, "BatchNorm2d nodes left in the graph");
        if (float64) {
            graph = org.xai4j.layers.Float64.copyOf(graph);
        }

        Map<String, String> camTensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = onnx.get("cam_layer_tensors").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            camTensors.put(e.getKey(), e.getValue().get("onnx_tensor").asText());
        }
        int c = info.get("target_class").asInt();
        INDArray x = Fixtures.npy("oracle/" + model + "/input.npy");
        if (float64) {
            x = org.xai4j.layers.Float64.of(x);
        }
        Map<String, Double> errors = new LinkedHashMap<>();
        try (Tape tape = graph.forward(x)) {
            errors.put("logits", Fixtures.rel(tape.output(), Fixtures.npy("oracle/" + model + "/logits.npy")));
            camTensors.forEach((layer, tensor) ->
                    errors.put("act_" + layer, Fixtures.rel(tape.value(tensor), Fixtures.npy("oracle/" + model + "/act_" + layer + ".npy"))));

            INDArray seed = Nd4j.zerosLike(tape.output());
            seed.putScalar(0, c, 1.0);
            List<String> wrt = new ArrayList<>(List.of("input"));
            wrt.addAll(camTensors.values());
            Gradients g = tape.backward(graph.outputs().get(0), seed, wrt);
            errors.put("grad", Fixtures.rel(g.get("input"), Fixtures.npy("oracle/" + model + "/grad.npy")));
            camTensors.forEach((layer, tensor) ->
                    errors.put("actgrad_" + layer, Fixtures.rel(g.get(tensor), Fixtures.npy("oracle/" + model + "/actgrad_" + layer + ".npy"))));
        }
        String label = model + " " + variant + " fold=" + fold + (float64 ? " float64" : " float32");
        System.out.printf("oracle %s: %s%n", label, errors);
        errors.forEach((array, rel) ->
                assertTrue(rel <= tolerance(model, array, float64), label + ": " + array + " relative error " + rel));
    }
}
