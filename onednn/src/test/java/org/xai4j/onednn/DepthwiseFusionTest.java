package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;

/**
 * {@link DepthwiseFusion} on MobileNetV2 against the exact answer (the same folded graph node by
 * node in float64) and against the unfused plan, and where it must not fuse. The random chains
 * are in {@link OneDnnPlanFuzzTest}.
 */
class DepthwiseFusionTest {
    private static final Pattern FUSED = Pattern.compile("fused into the 1x1 before it in (\\d+) of (\\d+) pairs");

    @AfterEach
    void reset() {
        System.clearProperty(DepthwiseFusion.PROPERTY);
        System.clearProperty(Winograd.PROPERTY);
        Acceleration.setEnabled(true);
    }

    /**
     * Batch 2 of seeded MobileNetV2: the 16 pairs are found; oneDNN fuses those whose expanded
     * tensor is over twice the L2 cache of its threads (one thread here: at least the 96 x
     * 112 x 112 one, 9.6 MB). Tolerance: 1e-4 of the largest logit against float64, the oracle
     * tests' (OnnxOracleTest); fused against unfused 1e-6, as both run the same jit kernels on
     * the same float32 sums (measured: equal bit for bit).
     */
    @Test
    void mobilenetV2FusedMatchesFloat64AndTheUnfusedPlan() {
        SeededMobileNet net = SeededMobileNet.of(7, 42, 2);
        Graph g = net.graph();
        System.setProperty(Winograd.PROPERTY, "false");
        INDArray exact = Float64Reference.run(g, net.in(), net.out(), net.x());
        System.setProperty(DepthwiseFusion.PROPERTY, "false");
        INDArray unfused = g.run(Map.of(net.in(), net.x()), List.of(net.out())).get(net.out());
        assertFalse(String.join("\n", g.describePlans()).contains("depthwise"), "fusion switched off, yet:\n" + g.describePlans());
        Acceleration.release(g);
        System.setProperty(DepthwiseFusion.PROPERTY, "true");
        INDArray fused = g.run(Map.of(net.in(), net.x()), List.of(net.out())).get(net.out());
        String plan = String.join("\n", g.describePlans());
        Acceleration.release(g);
        Matcher m = FUSED.matcher(plan);
        assertTrue(m.find(), "no pairs reported:\n" + plan);
        assertEquals(16, Integer.parseInt(m.group(2)), plan);
        assertTrue(Integer.parseInt(m.group(1)) >= 1, "oneDNN fused none of the pairs:\n" + plan);
        double scale = exact.amaxNumber().doubleValue();
        double toExact = exact.sub(fused.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
        double toUnfused = unfused.sub(fused).amaxNumber().doubleValue() / scale;
        System.out.printf("MobileNetV2 batch 2, %s pairs fused: logits %.2e of the largest from float64, %.2e from the unfused plan%n",
                m.group(1) + " of " + m.group(2), toExact, toUnfused);
        assertTrue(toExact <= 1e-4, "fused plan against float64: " + toExact);
        assertTrue(toUnfused <= 1e-6, "fused plan against the unfused plan: " + toUnfused);
    }

    /** A wanted expanded value, or a plan for backward, keeps the pair apart: backward reads the 1x1's output. */
    @Test
    void notFusedWhereTheExpandedValueIsNeeded() {
        Nd4j.getRandom().setSeed(3);
        INDArray w1 = Nd4j.randn(DataType.FLOAT, 64, 16, 1, 1).muli(0.25);
        INDArray w2 = Nd4j.randn(DataType.FLOAT, 64, 1, 3, 3).muli(0.3);
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 16, 160, 160)), List.of(
                new Node("expand", new Conv2d(w1, Nd4j.randn(DataType.FLOAT, 64), ConvSpec.DEFAULT), List.of("x")),
                new Node("relu6", Clip.relu6(), List.of("expand")),
                new Node("dw", new Conv2d(w2, Nd4j.randn(DataType.FLOAT, 64), ConvSpec.DEFAULT.withGroups(64).withPadding(1)),
                        List.of("relu6"))), List.of("dw"));
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 16, 160, 160);
        g.run(Map.of("x", x), List.of("dw"));
        assertTrue(String.join("\n", g.describePlans()).contains("+ depthwise dw"), "the pair was not fused:\n" + g.describePlans());
        Acceleration.release(g);
        g.run(Map.of("x", x), List.of("dw", "relu6"));
        assertFalse(String.join("\n", g.describePlans()).contains("depthwise"), "fused though relu6 is wanted:\n" + g.describePlans());
        Acceleration.release(g);
        try (Tape t = g.forward(Map.of("x", x), List.of("x"))) {
            t.backward("dw", Nd4j.ones(DataType.FLOAT, 1, 64, 160, 160), List.of("x"));
        }
        String plans = String.join("\n", g.describePlans());
        assertTrue(plans.contains("backward=true") && !plans.contains("depthwise"), "a plan for backward fused the pair:\n" + plans);
        Acceleration.release(g);
    }

    @Test
    void aBadSwitchValueIsAOneLineError() {
        System.setProperty(DepthwiseFusion.PROPERTY, "yes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, DepthwiseFusion::requested);
        assertEquals("-Dxai4j.onednn.fuseDepthwise must be true or false, got 'yes'", e.getMessage());
    }
}
