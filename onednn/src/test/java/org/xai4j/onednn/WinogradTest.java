package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.global.dnnl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * Plans with Winograd convolutions ({@link Winograd}) against the exact answer: the same graph
 * (batch norm folded, so the float32 weights the plan uses) run node by node in float64. The
 * direct plan is measured beside it, and the Winograd plan may be at most 4x as far off, and
 * within 1e-4 of the largest logit, the tolerance of the oracle tests (OnnxOracleTest, with
 * PyTorch's float64 reference). Measured here at avx512_core_bf16, batch 2, seeded zoo weights:
 * ResNet-18 direct 1.7e-7, Winograd 2.4e-7; ResNet-50 direct 2.5e-7, Winograd 3.1e-7 (relative
 * to the largest logit). Which convolutions get a Winograd kernel is asserted from the plan's own count: all
 * eligible ones at AVX-512, none below (oneDNN 2.5.2 has f32 Winograd at avx512_core only).
 */
class WinogradTest {

    @AfterEach
    void reset() {
        System.clearProperty(Winograd.PROPERTY);
        Acceleration.setEnabled(true);
    }

    @Test
    void resnet18IsAsExactAsTheDirectPlan() {
        compare("resnet18", Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7))), 13);
    }

    @Test
    void resnet50IsAsExactAsTheDirectPlan() {
        compare("resnet50", Specialization.apply(BatchNormFolding.fold(ResNet.resnet50(7))), 13);
    }

    /** MobileNetV2's 3x3 convolutions are depthwise or strided: nothing for Winograd, and the plan says so. */
    @Test
    void mobilenetV2HasNoConvolutionForWinograd() {
        compare("mobilenet_v2", Specialization.apply(BatchNormFolding.fold(MobileNet.v2(7))), 0);
    }

    private static void compare(String name, Graph g, int eligible) {
        String in = g.inputs().get(0).name();
        String out = g.outputs().get(0);
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 224, 224);
        INDArray exact = Float64Reference.run(g, in, out, x);
        System.setProperty(Winograd.PROPERTY, "false");
        INDArray direct = g.run(Map.of(in, x), List.of(out)).get(out);
        String directPlan = String.join("\n", g.describePlans());
        Acceleration.release(g); // the next run compiles again, now with Winograd from the first run
        System.setProperty(Winograd.PROPERTY, "true");
        INDArray wino = g.run(Map.of(in, x), List.of(out)).get(out);
        String plan = String.join("\n", g.describePlans());
        Acceleration.release(g);

        boolean offered = ActivationLayout.avx512(dnnl.dnnl_get_effective_cpu_isa());
        String count = "winograd in " + (offered ? eligible : 0) + " of " + eligible + " 3x3 stride-1 convolutions";
        assertTrue(plan.contains(count), name + ": expected '" + count + "' in\n" + plan);
        assertTrue(!directPlan.contains("winograd") && !directPlan.contains("wino_"), name + ": Winograd though switched off\n" + directPlan);
        assertTrue(plan.contains("wino_") == (offered && eligible > 0), name + ": Winograd kernels named in the plan\n" + plan);

        double scale = exact.amaxNumber().doubleValue();
        double directError = exact.sub(direct.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
        double winoError = exact.sub(wino.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
        System.out.printf("winograd %s at %s: %s; max |logit - float64| / max |logit|: direct %.2e, winograd %.2e (max |logit| %.3f)%n",
                name, ActivationLayout.isaName(dnnl.dnnl_get_effective_cpu_isa()), count, directError, winoError, scale);
        assertTrue(winoError <= 1e-4, name + ": Winograd plan off by " + winoError + " relative");
        // 4x the direct plan's error (with a floor of float32's own rounding of the logits): a
        // Winograd kernel that lost more than two bits against the direct one fails here.
        assertTrue(winoError <= 4 * directError + 1e-7, name + ": Winograd " + winoError + " against direct " + directError);
    }
}
