package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.testing.GradientCheck;

class BatchNorm2dTest {

    static BatchNorm2d bn(long C, DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new BatchNorm2d(Nd4j.rand(DataType.DOUBLE, C).addi(0.5).castTo(type),
                Nd4j.rand(DataType.DOUBLE, C).subi(0.5).castTo(type),
                Nd4j.rand(DataType.DOUBLE, C).subi(0.5).castTo(type),
                Nd4j.rand(DataType.DOUBLE, C).addi(0.5).castTo(type), 1e-5);
    }

    private static INDArray x(DataType type) {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.rand(DataType.DOUBLE, 2, 3, 4, 5).subi(0.5).muli(4).castTo(type);
    }

    @Test
    void statisticsThatMakeNaNAreRefused() {
        INDArray one = Nd4j.ones(DataType.FLOAT, 3);
        INDArray zero = Nd4j.zeros(DataType.FLOAT, 3);
        Object[][] cases = {
            {Nd4j.createFromArray(1f, -0.5f, 1f), 1e-5, "variance of channel 1 is -0.5"},
            {Nd4j.createFromArray(1f, 1f, Float.NaN), 1e-5, "variance of channel 2 is NaN"},
            {Nd4j.createFromArray(Float.POSITIVE_INFINITY, 1f, 1f), 1e-5, "variance of channel 0 is Infinity"},
            {one, -1e-3, "epsilon is -0.001"},
            {one, Double.NaN, "epsilon is NaN"},
            {Nd4j.createFromArray(1f, 0f, 1f), 0.0, "channel 1 and epsilon are both 0"},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new BatchNorm2d(one, zero, zero, (INDArray) c[0], (double) c[1]));
            assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
        }
        // A zero variance is what a dead channel has; epsilon keeps it finite.
        new BatchNorm2d(one, zero, zero, zero, 1e-5);
    }

    @Test
    void forwardIsTheAffineMapPerChannel() {
        BatchNorm2d bn = bn(3, DataType.DOUBLE, 1);
        INDArray x = x(DataType.DOUBLE);
        INDArray y = bn.forward(x).y();
        double worst = 0;
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) for (int h = 0; h < 4; h++) for (int w = 0; w < 5; w++) {
            double expected = bn.gamma().getDouble(c) * (x.getDouble(n, c, h, w) - bn.mean().getDouble(c))
                    / Math.sqrt(bn.var().getDouble(c) + 1e-5) + bn.beta().getDouble(c);
            worst = Math.max(worst, Math.abs(expected - y.getDouble(n, c, h, w)));
        }
        // A handful of double operations on values of order 10: a few ulps, far below 1e-13.
        assertTrue(worst < 1e-13, "max error " + worst);
    }

    @Test
    void keepsPrecision() {
        assertEquals(DataType.FLOAT, bn(3, DataType.FLOAT, 1).forward(x(DataType.FLOAT)).y().dataType());
        assertEquals(DataType.DOUBLE, bn(3, DataType.DOUBLE, 1).forward(x(DataType.DOUBLE)).y().dataType());
    }

    @Test
    void gradientsOfInputAndAllFourParameters() {
        GradientCheck.check("BatchNorm2d", bn(3, DataType.DOUBLE, 1), x(DataType.DOUBLE));
        Nd4j.getRandom().setSeed(4);
        GradientCheck.check("BatchNorm2d on [N,C]", bn(4, DataType.DOUBLE, 2), Nd4j.rand(DataType.DOUBLE, 3, 4).subi(0.5));
    }

    @Test
    void foldedConvolutionKeepsOutputsAndInputGradients() {
        for (ConvSpec spec : List.of(ConvSpec.DEFAULT.withPadding(1), ConvSpec.DEFAULT.withStride(2).withPadding(0, 0, 1, 1),
                ConvSpec.DEFAULT.withGroups(3).withPadding(1))) {
            Nd4j.getRandom().setSeed(5);
            long Cg = spec.groups() == 3 ? 1 : 3;
            for (boolean withBias : new boolean[] {true, false}) {
                INDArray w = Nd4j.rand(DataType.DOUBLE, 6, Cg, 3, 3).subi(0.5);
                INDArray b = withBias ? Nd4j.rand(DataType.DOUBLE, 6).subi(0.5) : null;
                Conv2d conv = new Conv2d(w, b, spec);
                BatchNorm2d bn = bn(6, DataType.DOUBLE, 6);
                INDArray wBefore = w.dup();
                Graph g = new Graph(List.of(Graph.Input.of("x", -1, 3, 8, 8)),
                        List.of(Node.of("conv", conv, "x"), Node.of("bn", bn, "conv")), List.of("bn"), Map.of("conv_node", "conv", "bn_node", "bn"));
                Graph folded = BatchNormFolding.fold(g);
                assertEquals(1, folded.nodes().size());
                assertEquals("bn", folded.nodes().get(0).name());
                assertTrue(folded.nodes().get(0).layer() instanceof Conv2d);
                assertEquals(wBefore, w, "folding must not mutate the original weights");
                assertEquals(Map.of("bn_node", "bn"), folded.aliases());

                INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 8, 8).subi(0.5);
                try (Tape t1 = g.forward(x); Tape t2 = folded.forward(x)) {
                    INDArray seed = Nd4j.rand(DataType.DOUBLE, t1.output().shape()).subi(0.5);
                    // Folding reassociates a few double products per output (values of order 1): 1e-12 is
                    // ~1e4 ulps, while any real folding error (a wrong channel, a missing bias) is O(1).
                    assertTrue(t1.output().sub(t2.output()).amaxNumber().doubleValue() < 1e-12, spec + " outputs");
                    INDArray g1 = t1.backward("bn", seed, List.of("x")).get("x");
                    INDArray g2 = t2.backward("bn", seed, List.of("x")).get("x");
                    assertTrue(g1.sub(g2).amaxNumber().doubleValue() < 1e-12, spec + " input gradients");
                }
            }
        }
    }

    @Test
    void foldingSkipsConvolutionsReadElsewhereOrNotFollowedByBatchNorm() {
        Conv2d conv = new Conv2d(Nd4j.rand(DataType.DOUBLE, 3, 3, 1, 1), null, ConvSpec.DEFAULT);
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 3, 4, 4)),
                List.of(Node.of("conv", conv, "x"), Node.of("bn", bn(3, DataType.DOUBLE, 1), "conv"),
                        Node.of("conv2", conv, "x"), Node.of("bn2", bn(3, DataType.DOUBLE, 2), "conv2"),
                        Node.of("bn3", bn(3, DataType.DOUBLE, 3), "x")),
                List.of("bn", "bn2", "conv2", "bn3"));
        Graph folded = BatchNormFolding.fold(g);
        // conv -> bn folds; conv2 is a graph output, so it stays; bn3 reads an input, so it stays.
        assertEquals(List.of("bn", "conv2", "bn2", "bn3"), folded.nodes().stream().map(Node::name).sorted(
                (a, b) -> List.of("bn", "conv2", "bn2", "bn3").indexOf(a) - List.of("bn", "conv2", "bn2", "bn3").indexOf(b)).toList());
        assertTrue(folded.node("bn").layer() instanceof Conv2d);
        assertTrue(folded.node("bn2").layer() instanceof BatchNorm2d);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 3, 4, 4);
        assertTrue(g.predict(x).sub(folded.predict(x)).amaxNumber().doubleValue() < 1e-12);
    }
}
