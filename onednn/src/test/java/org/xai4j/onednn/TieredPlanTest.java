package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.xai4j.engine.Tape;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.ResNet;

/**
 * Winograd's auto mode ({@link TieredPlan}): a plan starts on direct kernels and, at the run by
 * which it has paid for the weight transform, recompiles with Winograd, forward and backward plans alike;
 * what it computes stays within float32 rounding of the direct plan across the switch (ResNet-18,
 * seeded zoo weights: 1e-5 of the largest value, where the two plans measure 1.7e-7 and 2.4e-7
 * off float64 in WinogradTest). Below AVX-512 oneDNN has no Winograd kernel: the plan is the
 * direct one, unwrapped.
 */
class TieredPlanTest {
    private static final boolean OFFERED = ActivationLayout.avx512(dnnl.dnnl_get_effective_cpu_isa());

    @AfterEach
    void reset() {
        System.clearProperty(Winograd.PROPERTY);
        System.clearProperty(Winograd.PROPERTY + ".payback");
    }

    @Test
    void forwardPlanSwitchesToWinogradOnceItPays() {
        Graph g = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        String in = g.inputs().get(0).name();
        String out = g.outputs().get(0);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);
        System.setProperty(Winograd.PROPERTY + ".payback", "0"); // pays at once: the second run switches
        INDArray first = g.run(Map.of(in, x), List.of(out)).get(out);
        String before = String.join("\n", g.describePlans());
        INDArray second = g.run(Map.of(in, x), List.of(out)).get(out);
        String after = String.join("\n", g.describePlans());
        Acceleration.release(g);
        assertFalse(before.contains("wino_"), "Winograd before its time:\n" + before);
        assertEquals(OFFERED, before.contains("winograd from run 2"), before);
        assertEquals(OFFERED, after.contains("wino_"), "the second run should be on Winograd:\n" + after);
        assertFalse(after.contains("winograd from run"), after);
        assertClose(first, second, "logits across the switch");
    }

    @Test
    void defaultBudgetKeepsAOneShotPassDirect() {
        Graph g = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        String in = g.inputs().get(0).name();
        g.run(Map.of(in, Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224)), List.of(g.outputs().get(0)));
        String plans = String.join("\n", g.describePlans());
        Acceleration.release(g);
        assertFalse(plans.contains("wino_"), plans);
        // 9.43 million eligible weights x 40 ns x 3 against 1.8 billion multiply-adds x 0.007 ns: run 91.
        assertTrue(!OFFERED || plans.contains("winograd from run 91\n"), plans);
    }

    /**
     * Float32 rounding can put a unit on the other side of a ReLU kink (about one of ResNet-18's
     * 2.5 million per pass, at 1e-6 of difference), which moves the input gradient legitimately
     * near it; a wrong kernel shows on any input. So, as in the plan fuzz, a mismatch must recur
     * on a second input.
     */
    @Test
    void backwardPlanSwitchesAtAForwardAndKeepsItsBackward() {
        System.setProperty(Winograd.PROPERTY + ".payback", "0");
        double first = gradientAcrossTheSwitch(1);
        double error = first <= 1e-5 ? first : gradientAcrossTheSwitch(2);
        System.out.printf("tiered backward plan, input gradient across the switch: %.2e%s of the largest value%n", first,
                first <= 1e-5 ? "" : String.format(", second input %.2e", error));
        assertTrue(error <= 1e-5, "input gradient across the switch: " + first + " then " + error + " of the largest value");
    }

    /** Two forward and backward passes of a fresh ResNet-18 (the switch between them): max |difference| / max |gradient|. */
    private static double gradientAcrossTheSwitch(long seed) {
        Graph g = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        String in = g.inputs().get(0).name();
        String out = g.outputs().get(0);
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);
        INDArray[] dx = new INDArray[2];
        for (int i = 0; i < 2; i++) {
            try (Tape t = g.forward(Map.of(in, x), List.of(in))) {
                dx[i] = t.backward(out, Nd4j.onesLike(t.output()), List.of(in)).get(in);
            }
        }
        String plans = String.join("\n", g.describePlans());
        Acceleration.release(g);
        assertTrue(plans.contains("backward=true"), plans);
        assertEquals(OFFERED, plans.contains("wino_"), plans);
        return dx[0].sub(dx[1]).amaxNumber().doubleValue() / dx[0].amaxNumber().doubleValue();
    }

    @Test
    void aWrongSettingIsNamed() {
        System.setProperty(Winograd.PROPERTY, "sometimes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Winograd::requested);
        assertTrue(e.getMessage().contains("auto, true or false"), e.getMessage());
        System.setProperty(Winograd.PROPERTY + ".payback", "-1");
        assertThrows(IllegalArgumentException.class, Winograd::payback);
    }

    private static void assertClose(INDArray a, INDArray b, String what) {
        double scale = a.amaxNumber().doubleValue();
        double error = a.sub(b).amaxNumber().doubleValue() / scale;
        assertTrue(error <= 1e-5, what + ": " + error + " of the largest value");
    }
}
