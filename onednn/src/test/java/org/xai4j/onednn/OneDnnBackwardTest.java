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
import org.xai4j.engine.Tape;
import org.xai4j.layers.BatchNormFolding;
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
    }
}
