package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.layers.Add;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.ResNet;

/**
 * The backward plan's own rules ({@link OneDnnBackward}): the flipped weights in closed form, and
 * on ResNet-18 which rule each step took, with the input gradient against the engine's. (The plan
 * fuzz checks every rule on random graphs in guarded mode.)
 */
class OneDnnBackwardTest {

    @AfterEach
    void reset() {
        Acceleration.setEnabled(true);
    }

    /** f[g*I + i][o][R-1-r][S-1-s] = w[g*O + o][i][r][s], here for 2 groups of 3 outputs and 2 inputs, 2 x 3 kernels. */
    @Test
    void flippedWeightsSwapChannelsPerGroupAndTurnEachKernel() {
        int G = 2, O = 3, I = 2, R = 2, S = 3;
        INDArray w = Nd4j.linspace(DataType.FLOAT, 1, G * O * I * R * S, 1).reshape('c', G * O, I, R, S);
        INDArray f = OneDnnBackward.flipped(w, G);
        assertArrayEquals(new long[] {G * I, O, R, S}, f.shape());
        for (int g = 0; g < G; g++) {
            for (int o = 0; o < O; o++) {
                for (int i = 0; i < I; i++) {
                    for (int r = 0; r < R; r++) {
                        for (int s = 0; s < S; s++) {
                            assertEquals(w.getFloat(g * O + o, i, r, s), f.getFloat(g * I + i, o, R - 1 - r, S - 1 - s), 0f);
                        }
                    }
                }
            }
        }
        // Views read the same values as their dense copies: a transposed array, and one at an offset.
        INDArray view = w.permute(1, 0, 2, 3).dup('c').permute(1, 0, 2, 3);
        assertEquals(f, OneDnnBackward.flipped(view, G));
        INDArray twice = Nd4j.concat(0, Nd4j.zerosLike(w), w);
        INDArray offset = twice.get(NDArrayIndex.interval(G * O, 2 * G * O), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        assertTrue(offset.offset() > 0);
        assertEquals(f, OneDnnBackward.flipped(offset, G));
    }

    /**
     * ResNet-18's backward plan: stride-1 convolutions as forward convolutions of the flipped
     * weights, the strided ones as backward data, the RGB stem on a plain dy; the Add hands dy on.
     * Input gradient within 1e-4 of the largest value of the engine's (float32 both, summed in
     * other orders).
     */
    @Test
    void resnet18BackwardPlanTakesEachRuleAndMatchesTheEngine() {
        Graph g = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(5)));
        String in = g.inputs().get(0).name();
        String out = g.outputs().get(0);
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);
        INDArray seed = Nd4j.zeros(DataType.FLOAT, 1, 1000).putScalar(0, 7, 1.0);
        INDArray fast;
        try (Tape t = g.forward(Map.of(in, x), List.of(in))) {
            fast = t.backward(out, seed, List.of(in)).get(in).dup();
        }
        String plans = String.join("\n", g.describePlans());
        long flipped = plans.lines().filter(l -> l.contains("(flipped weights)")).count();
        long plainDy = plans.lines().filter(l -> l.contains("(dy as plain NCHW)")).count();
        // 20 convolutions: 13 3x3 stride 1; the stem, 3 strided 3x3 and 3 strided 1x1 downsamples.
        assertEquals(13, flipped, plans);
        assertEquals(1, plainDy, plans);
        assertTrue(plans.lines().anyMatch(l -> l.contains("backward of") && l.contains("(passes dy on)")), plans);
        Acceleration.setEnabled(false);
        INDArray ref;
        try (Tape t = g.forward(Map.of(in, x), List.of(in))) {
            ref = t.backward(out, seed, List.of(in)).get(in).dup();
        }
        double rel = fast.sub(ref).amaxNumber().doubleValue() / ref.amaxNumber().doubleValue();
        assertTrue(rel <= 1e-4, "input gradient " + rel + " of the largest value from the engine's");
        assertTrue(plans.contains("5 gradients of values read twice share a buffer"), plans); // the identity blocks
    }

    /**
     * A residual sum over another one, {@code out = v + (v2 + w)}, where v and v2 are each read by
     * a convolution as well: each may share its Add's gradient buffer on its own, but not both,
     * since v2's reader would add its part onto v's gradient in the same buffer. The inner Add
     * passes dy on, so v may not share (the rule in {@code OneDnnBackward.sharesRead}); the
     * input gradient matches the engine's.
     */
    @Test
    void aSumOverASumSharesOnlyTheInnerInput() {
        Nd4j.getRandom().setSeed(3);
        int c = 16;
        java.util.function.Supplier<Conv2d> conv = () -> new Conv2d(Nd4j.randn(DataType.FLOAT, c, c, 3, 3).muli(1.0 / Math.sqrt(9 * c)),
                null, ConvSpec.DEFAULT.withPadding(1));
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, c, 12, 12)), List.of(
                new Node("conv0", conv.get(), List.of("x")), new Node("v", new ReLU(), List.of("conv0")),
                new Node("r", conv.get(), List.of("v")),
                new Node("v2", conv.get(), List.of("r")),
                new Node("q", conv.get(), List.of("v2")),
                new Node("w", conv.get(), List.of("q")),
                new Node("u", new Add(), List.of("v2", "w")),
                new Node("out", new Add(), List.of("v", "u")),
                new Node("gap", new GlobalAvgPool(), List.of("out"))), List.of("gap"));
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, c, 12, 12);
        INDArray seed = Nd4j.randn(DataType.FLOAT, 1, c, 1, 1);
        INDArray fast;
        try (Tape t = g.forward(Map.of("x", x), List.of("x"))) {
            fast = t.backward("gap", seed, List.of("x")).get("x").dup();
        }
        String plans = String.join("\n", g.describePlans());
        assertTrue(plans.contains("backward=true") && plans.contains("1 gradients of values read twice share a buffer"), plans);
        Acceleration.setEnabled(false);
        INDArray ref;
        try (Tape t = g.forward(Map.of("x", x), List.of("x"))) {
            ref = t.backward("gap", seed, List.of("x")).get("x").dup();
        }
        double rel = fast.sub(ref).amaxNumber().doubleValue() / ref.amaxNumber().doubleValue();
        assertTrue(rel <= 1e-4, "input gradient " + rel + " of the largest value from the engine's\n" + plans);
    }
}
