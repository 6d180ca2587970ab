package org.xai4j.importers.onnx;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Tape;
import org.xai4j.testing.Shared;

/**
 * The oracle ResNet-18 (../shared/oracle, batch norm folded as users run it) through oneDNN plans
 * with Winograd convolutions ({@code -Dxai4j.onednn.winograd=true}) against PyTorch's float64
 * reference: logits, the activations at layer3 and layer4, and the input gradient of the target
 * logit (a backward plan: Winograd forward; in the backward, the flipped stride-1 convolutions
 * on F(2x2, 3x3) kernels, 10 of 13). Tolerance 1e-4 relative, that of {@link OnnxOracleTest}:
 * measured at avx512_core_bf16 with all 13 of the 3x3 stride-1 convolutions as Winograd (10
 * jit_fp32_wino_2x3, 3 jit_wino_4x3): logits 2.6e-7, act_layer3 8.1e-7, act_layer4 9.6e-7, grad
 * 6.6e-7 (direct plans: 2.4e-7, 7.1e-7, 7.7e-7, 5.1e-7; PyTorch's own float32 run: 4.6e-7,
 * 1.6e-6, 2.1e-6, 5.6e-7). Below AVX-512 oneDNN has no Winograd kernel; the plan then says
 * "winograd in 0 of 13" and the same comparison checks the direct fallback.
 */
class WinogradOracleTest {
    private static final String PROPERTY = "xai4j.onednn.winograd";
    private static final double FLOAT32 = 1e-4;

    @AfterEach
    void reset() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void resnet18WithWinogradMatchesPyTorchFloat64() {
        System.setProperty(PROPERTY, "true");
        JsonNode info = Fixtures.oracleIndex().get("resnet18");
        JsonNode onnx = info.get("onnx").get("op13_bn");
        Graph graph = OnnxImporter.load(Shared.require("oracle/" + onnx.get("file").asText()));
        Map<String, String> camTensors = new LinkedHashMap<>();
        onnx.get("cam_layer_tensors").fields().forEachRemaining(e -> camTensors.put(e.getKey(), e.getValue().get("onnx_tensor").asText()));
        INDArray x = Fixtures.npy("oracle/resnet18/input.npy");
        String out = graph.outputs().get(0);

        List<String> keep = new ArrayList<>(camTensors.values());
        keep.add(out);
        Map<String, INDArray> y = graph.run(Map.of("input", x), keep);
        Map<String, Double> errors = new LinkedHashMap<>();
        errors.put("logits", Fixtures.rel(y.get(out), Fixtures.npy("oracle/resnet18/logits.npy")));
        camTensors.forEach((layer, tensor) ->
                errors.put("act_" + layer, Fixtures.rel(y.get(tensor), Fixtures.npy("oracle/resnet18/act_" + layer + ".npy"))));
        try (Tape tape = graph.forward(Map.of("input", x), List.of("input"))) {
            INDArray seed = Nd4j.zerosLike(tape.output());
            seed.putScalar(0, info.get("target_class").asInt(), 1.0);
            INDArray dx = tape.backward(out, seed, List.of("input")).get("input");
            errors.put("grad", Fixtures.rel(dx, Fixtures.npy("oracle/resnet18/grad.npy")));
        }
        String plans = String.join("\n", graph.describePlans());
        Acceleration.release(graph);

        boolean offered = (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
        String count = "winograd in " + (offered ? 13 : 0) + " of 13 3x3 stride-1 convolutions";
        System.out.printf("oracle resnet18 with winograd (%s): %s%n", count, errors);
        assertTrue(plans.contains(count), "expected '" + count + "' in the forward plan:\n" + plans);
        // The backward runs only F(2x2, 3x3) kernels, so how many depends on where oneDNN picks 4x3.
        String backward = offered ? "(?s).*" + count + " \\(backward: ([1-9]|1[0-3]) of 13\\).*" : "(?s).*" + count + " \\(backward: 0 of 13\\).*";
        assertTrue(plans.matches(backward), "expected the backward plan's count:\n" + plans);
        errors.forEach((array, rel) -> assertTrue(rel <= FLOAT32, "resnet18 winograd: " + array + " relative error " + rel));
    }
}
