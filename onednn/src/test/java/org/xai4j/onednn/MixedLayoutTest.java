package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.ResNet;

/**
 * Batch-1 plans that run by rows, then by channel blocks ({@link MixedLayout}): where the rule
 * switches on the zoo ResNets, with and without Winograd, and that such a plan computes what
 * float64 does.
 */
class MixedLayoutTest {
    @AfterEach
    void reset() {
        System.clearProperty(Winograd.PROPERTY);
        System.clearProperty(RowSplit.PROPERTY);
        System.clearProperty(MixedLayout.PROPERTY);
        Acceleration.setEnabled(true);
    }

    /**
     * ResNet-50 switches after layer2.0 where its plan runs Winograd (AVX-512), the 3x3
     * convolutions at 28 x 28 reading four times their weights, and after layer2 without it;
     * ResNet-18, 3x3 convolutions but for three shortcuts, never. The switch is the one step more.
     * Logits against float64: 1e-4 of the largest, the oracle tests' tolerance (measured 2e-7 to 4e-7).
     */
    @Test
    void resNetsSwitchWhereTheir1x1ConvolutionsStopLeaningToRows() {
        boolean winograd = ActivationLayout.avx512(ActivationLayout.HOST.isa());
        Graph r50 = Specialization.apply(BatchNormFolding.fold(ResNet.resnet50(7)));
        String plan = compare("ResNet-50", r50, "true");
        assertTrue(plan.contains(winograd ? "from layer2.0.relu_2 on" : "from layer2.3.relu_2 on"), plan);
        assertTrue(plan.contains("57 of 57 steps split over 2 threads by rows, then channel blocks"), plan);
        plan = compare("ResNet-50", r50, "false");
        assertTrue(plan.contains("from layer2.3.relu_2 on"), plan);
        Graph r18 = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        for (String w : new String[] {"true", "false"}) {
            plan = compare("ResNet-18", r18, w);
            assertTrue(plan.contains("23 of 23 steps split over 2 threads by channel blocks"), plan);
        }
    }

    /** The switch property names the node; one after which other values are alive leaves the plan in one layout. */
    @Test
    void theSwitchPropertyNamesTheNode() {
        Graph r18 = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        System.setProperty(MixedLayout.PROPERTY, "layer3.1.relu_1");
        String plan = compare("ResNet-18", r18, "false");
        assertTrue(plan.contains("from layer3.1.relu_1 on"), plan);
        // Inside a block the block's input is still alive (its shortcut): no switch.
        System.setProperty(MixedLayout.PROPERTY, "layer3.1.relu");
        plan = compare("ResNet-18", r18, "false");
        assertFalse(plan.contains("then channel blocks"), plan);
        // split.by=channels or rows keeps one layout whatever the switch says.
        System.setProperty(MixedLayout.PROPERTY, "layer3.1.relu_1");
        System.setProperty(RowSplit.PROPERTY, "channels");
        plan = compare("ResNet-18", r18, "false");
        assertTrue(plan.contains("by channel blocks") && !plan.contains("then"), plan);
    }

    /** A plan with no op left (its nodes were identities, found by ONNX's test_identity) has no place to switch. */
    @Test
    void anEmptyPlanHasNoSwitch() {
        assertEquals(-1, MixedLayout.switchAfter(List.of(), "x", Map.of("x", new long[] {1, 3, 8, 8}), true));
    }

    /** Runs {@code g} at batch 1 on two threads and checks its logits against float64; the plan's description. */
    private static String compare(String name, Graph g, String winograd) {
        System.setProperty(Winograd.PROPERTY, winograd);
        String in = g.inputs().get(0).name();
        String out = g.outputs().get(0);
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);
        INDArray exact = Float64Reference.run(g, in, out, x);
        INDArray y = Crew.withOpenMpThreads(2, () -> g.run(Map.of(in, x), List.of(out)).get(out));
        String plan = String.join("\n", g.describePlans());
        Acceleration.release(g);
        double error = exact.sub(y.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / exact.amaxNumber().doubleValue();
        System.out.printf("%s, winograd %s: %s; logits %.2e of the largest from float64%n", name, winograd,
                plan.lines().findFirst().orElse(""), error);
        assertTrue(error <= 1e-4, name + ": " + error + "\n" + plan);
        return plan;
    }
}
