package org.xai4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TapeTest {

    private static INDArray scalar(double v) {
        return Nd4j.scalar(DataType.DOUBLE, v).reshape(1);
    }

    /** x -> a = 2x -> b = 3a; c = a + b; d = 5c.  dd/dx = 5 * (2 + 6) = 40. */
    private static Graph diamond(ToyLayers.Scale s2, ToyLayers.Scale s3, ToyLayers.Scale s5) {
        return new Graph(List.of(Graph.Input.of("x", -1, 3)), List.of(
                Node.of("d", s5, "c"),
                Node.of("a", s2, "x"),
                Node.of("b", s3, "a"),
                Node.of("c", new ToyLayers.Plus(), "a", "b")), List.of("d"));
    }

    @Test
    void fanOutGradientsAreSummedOnceAndSeedIsNotModified() {
        var s2 = new ToyLayers.Scale(scalar(2));
        var s3 = new ToyLayers.Scale(scalar(3));
        var s5 = new ToyLayers.Scale(scalar(5));
        Graph g = diamond(s2, s3, s5);
        INDArray x = Nd4j.create(new double[][] {{1, -2, 0.5}});
        try (Tape t = g.forward(x)) {
            assertEquals(40 * 0.5, t.output().getDouble(0, 2), 1e-12);
            INDArray seed = Nd4j.ones(DataType.DOUBLE, 1, 3);
            Gradients grads = t.backward("d", seed, List.of("x", "a"));
            assertEquals(40, grads.get("x").getDouble(0, 1), 1e-12);
            assertEquals(20, grads.get("a").getDouble(0, 0), 1e-12);
            assertEquals(1, seed.getDouble(0, 0), 0, "the seed belongs to the caller");
        }
    }

    @Test
    void backwardStopsAtTheRequestedNode() {
        var s2 = new ToyLayers.Scale(scalar(2));
        var s3 = new ToyLayers.Scale(scalar(3));
        var s5 = new ToyLayers.Scale(scalar(5));
        Graph g = diamond(s2, s3, s5);
        try (Tape t = g.forward(Nd4j.ones(DataType.DOUBLE, 2, 3))) {
            t.backward("d", Nd4j.ones(DataType.DOUBLE, 2, 3), List.of("c"));
            assertEquals(1, s5.backwardCalls.get());
            assertEquals(0, s3.backwardCalls.get(), "nothing below c may run");
            assertEquals(0, s2.backwardCalls.get(), "nothing below c may run");
        }
    }

    @Test
    void parameterGradientsOnlyWhenAsked() {
        var s2 = new ToyLayers.Scale(scalar(2));
        var s3 = new ToyLayers.Scale(scalar(3));
        var s5 = new ToyLayers.Scale(scalar(5));
        Graph g = diamond(s2, s3, s5);
        INDArray x = Nd4j.create(new double[][] {{1, 2, 3}});
        try (Tape t = g.forward(x)) {
            INDArray seed = Nd4j.ones(DataType.DOUBLE, 1, 3);
            assertTrue(t.backward("d", seed, List.of("x")).parameters().isEmpty());
            Gradients all = t.backward("d", seed, List.of("x"), true);
            // d = 5 (a + 3a) = 20 a = 40 x: dd/dw2 = sum(5 * (1 + 3) * x) = 20 * 6
            assertEquals(120, all.parameters("a").get("w").getDouble(0), 1e-12);
            // dd/dw5 = sum(c) = sum(8x) = 48
            assertEquals(48, all.parameters("d").get("w").getDouble(0), 1e-12);
        }
    }

    @Test
    void hooksBelongToTheirPassEvenWhenItFails() {
        Graph g = diamond(new ToyLayers.Scale(scalar(2)), new ToyLayers.Scale(scalar(3)), new ToyLayers.Scale(scalar(5)));
        INDArray x = Nd4j.ones(DataType.DOUBLE, 1, 3);
        INDArray plain = g.predict(x);
        Hooks failing = Hooks.NONE.forward(g.named("c"), (n, y) -> {
            throw new IllegalStateException("explainer failed");
        });
        assertThrows(IllegalStateException.class, () -> g.forward(Map.of("x", x), failing).close());
        assertEquals(plain, g.predict(x), "a later pass without hooks is unchanged");
        Hooks zero = Hooks.NONE.forward(g.named("c"), (n, y) -> y.mul(0));
        assertNotEquals(plain, g.run(Map.of("x", x), List.of("d"), zero).get("d"));
        assertEquals(plain, g.predict(x), "hooks never outlive their call");
    }

    @Test
    void backwardHookReplacesGradient() {
        Graph g = diamond(new ToyLayers.Scale(scalar(2)), new ToyLayers.Scale(scalar(3)), new ToyLayers.Scale(scalar(5)));
        try (Tape t = g.forward(Map.of("x", Nd4j.ones(DataType.DOUBLE, 1, 3)),
                Hooks.NONE.backward(g.named("d"), (n, dy, dx) -> new INDArray[] {dx[0].mul(0)}))) {
            assertEquals(0, t.backward("d", Nd4j.ones(DataType.DOUBLE, 1, 3), List.of("x")).get("x").sumNumber().doubleValue(), 0);
        }
    }

    @Test
    void runKeepsOnlyWhatWasAskedAndChecksShapes() {
        Graph g = diamond(new ToyLayers.Scale(scalar(2)), new ToyLayers.Scale(scalar(3)), new ToyLayers.Scale(scalar(5)));
        Map<String, INDArray> out = g.run(Map.of("x", Nd4j.ones(DataType.DOUBLE, 4, 3)), List.of("b", "d"));
        assertEquals(6, out.get("b").getDouble(3, 2), 1e-12);
        assertEquals(40, out.get("d").getDouble(0, 0), 1e-12);
        var e = assertThrows(IllegalArgumentException.class, () -> g.predict(Nd4j.ones(DataType.DOUBLE, 1, 4)));
        assertTrue(e.getMessage().contains("expects shape [N,3]"), e.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> g.node("bb"));
        assertTrue(unknown.getMessage().contains("did you mean: b"), unknown.getMessage());
    }
}
