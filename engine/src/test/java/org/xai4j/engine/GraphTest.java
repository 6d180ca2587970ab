package org.xai4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's contract around the reverse walk: fan-out sums, hooks, Need flags, freeing in
 * {@code run}, names. Built from the closed-form toy layers, so every expected number is exact.
 */
class GraphTest {

    private static INDArray scalar(double v) {
        return Nd4j.scalar(DataType.DOUBLE, v).reshape(1);
    }

    private static ToyLayers.Scale scale(double w) {
        return new ToyLayers.Scale(scalar(w));
    }

    private static INDArray row(double... v) {
        return Nd4j.create(v, new long[] {1, v.length}, DataType.DOUBLE);
    }

    /** y = x; returns its input and dy themselves, as Identity, Reshape views and Dropout do. */
    static final class PassThrough implements Layer<Void> {
        @Override
        public Forward<Void> forward(INDArray... x) {
            return Forward.of(x[0], null);
        }

        @Override
        public Backward backward(Void cache, INDArray dy, Need need) {
            return Backward.of(need.input(0) ? dy : null);
        }
    }

    /**
     * y = a * b elementwise; fails the test if asked for a gradient that no requested value
     * needs, and records every Need it saw.
     */
    static final class StrictProduct implements Layer<INDArray[]> {
        final boolean[] allowed;
        final List<Need> seen = new ArrayList<>();

        StrictProduct(boolean... allowed) {
            this.allowed = allowed;
        }

        @Override
        public Forward<INDArray[]> forward(INDArray... x) {
            return Forward.of(x[0].mul(x[1]), new INDArray[] {x[0], x[1]});
        }

        @Override
        public Backward backward(INDArray[] x, INDArray dy, Need need) {
            seen.add(need);
            for (int i = 0; i < 2; i++) {
                if (need.input(i) && !allowed[i]) {
                    throw new AssertionError("asked for the gradient of input " + i + ", which nothing needs");
                }
            }
            if (need.parameters()) {
                throw new AssertionError("asked for parameter gradients of a parameter-free layer");
            }
            return Backward.of(need.input(0) ? dy.mul(x[1]) : null, need.input(1) ? dy.mul(x[0]) : null);
        }
    }

    @Test
    void fanOutAtAGraphInputIsSummed() {
        // a = 2x, b = 3x, c = a + b: dc/dx = 5.
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)), List.of(
                Node.of("a", scale(2), "x"), Node.of("b", scale(3), "x"), Node.of("c", new ToyLayers.Plus(), "a", "b")),
                List.of("c"));
        try (Tape t = g.forward(row(1, -1))) {
            INDArray seed = row(1, 10);
            Gradients grads = t.backward("c", seed, List.of("x"));
            assertArrayEquals(new double[] {5, 50}, grads.get("x").toDoubleVector());
            assertArrayEquals(new double[] {1, 10}, seed.toDoubleVector(), "the seed belongs to the caller");
        }
    }

    @Test
    void aValueReadTwiceByOneNodeGetsBothContributions() {
        // c = x + x; Plus hands dy itself to both inputs, so the engine must sum into a fresh array.
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 3)),
                List.of(Node.of("c", new ToyLayers.Plus(), "x", "x")), List.of("c"));
        INDArray x = row(1, 2, 3);
        try (Tape t = g.forward(x)) {
            assertArrayEquals(new double[] {2, 4, 6}, t.output().toDoubleVector());
            INDArray seed = row(1, 1, 1);
            assertArrayEquals(new double[] {2, 2, 2}, t.backward("c", seed, List.of("x")).get("x").toDoubleVector());
            assertArrayEquals(new double[] {1, 1, 1}, seed.toDoubleVector());
            // Twice from the same tape: the first pass must not have changed anything recorded.
            assertArrayEquals(new double[] {2, 2, 2}, t.backward("c", seed, List.of("x")).get("x").toDoubleVector());
        }
        // And through a product: c = x * x, dc/dx = 2x.
        Graph sq = new Graph(List.of(Graph.Input.of("x", -1, 3)),
                List.of(Node.of("c", new StrictProduct(true, true), "x", "x")), List.of("c"));
        try (Tape t = sq.forward(x)) {
            assertArrayEquals(new double[] {2, 4, 6}, t.backward("c", row(1, 1, 1), List.of("x")).get("x").toDoubleVector());
        }
    }

    @Test
    void forwardHookReplacesAnActivationInItsPassOnly() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)),
                List.of(Node.of("a", scale(2), "x"), Node.of("b", scale(3), "a")), List.of("b"));
        INDArray x = row(1, 2);
        Hooks plusOne = Hooks.NONE.forward(g.named("a"), (node, y) -> y.add(1));
        assertArrayEquals(new double[] {9, 15}, g.run(Map.of("x", x), List.of("b"), plusOne).get("b").toDoubleVector());
        try (Tape t = g.forward(Map.of("x", x), plusOne)) {
            assertArrayEquals(new double[] {3, 5}, t.value("a").toDoubleVector(), "the tape records the replacement");
            assertArrayEquals(new double[] {6, 6}, t.backward("b", row(1, 1), List.of("x")).get("x").toDoubleVector());
        }
        assertArrayEquals(new double[] {6, 12}, g.predict(x).toDoubleVector(), "other passes never see the hook");
    }

    @Test
    void backwardHookSeesDyAndDx() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)),
                List.of(Node.of("a", scale(2), "x"), Node.of("b", scale(3), "a")), List.of("b"));
        Map<String, INDArray[]> seen = new HashMap<>();
        Hooks spy = Hooks.NONE.backward(n -> true, (node, dy, dx) -> {
            seen.put(node.name(), new INDArray[] {dy.dup(), dx[0].dup()});
            return node.name().equals("b") ? new INDArray[] {dx[0].mul(10)} : null;
        });
        try (Tape t = g.forward(Map.of("x", row(1, 2)), spy)) {
            INDArray dx = t.backward("b", row(1, -1), List.of("x")).get("x");
            assertArrayEquals(new double[] {1, -1}, seen.get("b")[0].toDoubleVector(), "dy at b is the seed");
            assertArrayEquals(new double[] {3, -3}, seen.get("b")[1].toDoubleVector(), "dx at b is 3 dy");
            assertArrayEquals(new double[] {30, -30}, seen.get("a")[0].toDoubleVector(), "a sees b's replaced dx");
            assertArrayEquals(new double[] {60, -60}, dx.toDoubleVector());
        }
    }

    @Test
    void needFlagsAskOnlyForWhatIsOnAPathToARequestedValue() {
        // x -> a = 2x; c = a * z (z a second graph input); d = 5c.  Only x is requested.
        StrictProduct product = new StrictProduct(true, false);
        ToyLayers.Scale s2 = scale(2), s5 = scale(5), unused = scale(7);
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2), Graph.Input.of("z", -1, 2)), List.of(
                Node.of("a", s2, "x"), Node.of("c", product, "a", "z"), Node.of("d", s5, "c"),
                Node.of("side", unused, "x")), List.of("d", "side"));
        try (Tape t = g.forward(Map.of("x", row(1, 2), "z", row(3, 4)))) {
            INDArray dx = t.backward("d", row(1, 1), List.of("x")).get("x");
            assertArrayEquals(new double[] {30, 40}, dx.toDoubleVector());
            assertEquals(1, product.seen.size());
            assertArrayEquals(new boolean[] {true, false}, product.seen.get(0).inputs());
            assertEquals(0, unused.backwardCalls.get(), "a node off the path to the seed never runs backward");

            // Parameter gradients: Scale asks for them, the parameter-free product never does.
            Gradients all = t.backward("d", row(1, 1), List.of("x"), true);
            // dd/dw_a = sum(dd/da * x) = sum(5 z * x) = 5 * (3 * 1 + 4 * 2)
            assertEquals(55, all.parameters("a").get("w").getDouble(0), 1e-12);
            assertTrue(all.parameters("c").isEmpty());
            assertTrue(all.parameters("side").isEmpty(), "side does not lead to the seed");
        }
    }

    @Test
    void runFreesIntermediatesButNotFeedsParametersOrKeptValues() {
        ToyLayers.Scale s2 = scale(2);
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)), List.of(
                Node.of("a", s2, "x"), Node.of("b", scale(3), "a"), Node.of("view", new PassThrough(), "b"),
                Node.of("c", scale(5), "view"), Node.of("d", new ToyLayers.Plus(), "c", "a")), List.of("d"));
        Map<String, INDArray> produced = new HashMap<>();
        Hooks spy = Hooks.NONE.forward(n -> true, (node, y) -> {
            produced.put(node.name(), y);
            return null;
        });
        {
            INDArray x = row(1, 2);
            Map<String, INDArray> out = g.run(Map.of("x", x), List.of("d", "view"), spy);
            // d = 5 * 3 * 2x + 2x = 32x; view = b = 6x.
            assertArrayEquals(new double[] {32, 64}, out.get("d").toDoubleVector());
            assertArrayEquals(new double[] {6, 12}, out.get("view").toDoubleVector(), "kept through a shared buffer");
            assertTrue(Memory.isFree(produced.get("a").data()), "a is freed after its last reader");
            assertTrue(Memory.isFree(produced.get("c").data()), "c is freed after its last reader");
            assertFalse(Memory.isFree(produced.get("b").data()), "b shares its buffer with the kept value view");
            assertArrayEquals(new double[] {1, 2}, x.toDoubleVector(), "feeds belong to the caller");
            assertEquals(2, s2.w.getDouble(0), 0, "parameters are never freed");
        }
    }

    @Test
    void tapeFreesItsActivationsOnCloseOnly() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)),
                List.of(Node.of("a", scale(2), "x"), Node.of("id", new PassThrough(), "x"), Node.of("b", scale(3), "a")),
                List.of("b", "id"));
        INDArray x = row(1, 2);
        Tape t = g.forward(x);
        INDArray a = t.value("a");
        t.backward("b", row(1, 1), List.of("x"));
        assertFalse(Memory.isFree(a.data()), "backward must not free recorded activations");
        t.close();
        assertTrue(Memory.isFree(a.data()), "freed into the pool for the next pass");
        assertFalse(Memory.isFree(x.data()), "a layer returning the feed must not get it freed");
        assertThrows(IllegalStateException.class, () -> t.value("a"));
        t.close();
    }

    @Test
    void aliasesResolveEverywhere() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)),
                List.of(Node.of("a", scale(2), "x"), Node.of("b", scale(3), "a")), List.of("b"),
                Map.of("block1", "a", "logits", "b"));
        assertEquals("a", g.resolve("block1"));
        assertSame(g.node("a"), g.node("block1"));
        try (Tape t = g.forward(Map.of("x", row(1, 2)), Hooks.NONE.forward(g.named("block1"), (n, y) -> y.mul(0)))) {
            assertArrayEquals(new double[] {0, 0}, t.value("logits").toDoubleVector());
        }
        try (Tape t = g.forward(row(1, 2))) {
            Gradients grads = t.backward("logits", row(1, 1), List.of("block1"));
            assertArrayEquals(new double[] {3, 3}, grads.get("block1").toDoubleVector());
            assertArrayEquals(new double[] {3, 3}, grads.get("a").toDoubleVector());
        }
        assertArrayEquals(new double[] {2, 4}, g.run(Map.of("x", row(1, 2)), List.of("block1")).get("block1").toDoubleVector());
    }

    @Test
    void malformedGraphsAreRejectedWithClearMessages() {
        List<Graph.Input> x = List.of(Graph.Input.of("x", -1, 2));
        assertMessage("duplicate value name 'a'", () -> new Graph(x,
                List.of(Node.of("a", scale(1), "x"), Node.of("a", scale(2), "x")), List.of("a")));
        assertMessage("duplicate value name 'x'", () -> new Graph(x, List.of(Node.of("x", scale(1), "x")), List.of("x")));
        assertMessage("duplicate graph input 'x'", () -> new Graph(
                List.of(Graph.Input.of("x", 2), Graph.Input.of("x", 2)), List.of(), List.of("x")));
        assertMessage("cycle", () -> new Graph(x,
                List.of(Node.of("a", scale(1), "b"), Node.of("b", scale(1), "a"), Node.of("c", scale(1), "x")), List.of("c")));
        assertMessage("cycle", () -> new Graph(x, List.of(Node.of("a", new ToyLayers.Plus(), "x", "a")), List.of("a")));
        assertMessage("node 'a' reads 'y', which is neither a graph input nor a node", () -> new Graph(x,
                List.of(Node.of("a", scale(1), "y")), List.of("a")));
        assertMessage("graph output 'z' is not produced by any node", () -> new Graph(x,
                List.of(Node.of("a", scale(1), "x")), List.of("z")));
        assertMessage("non-empty name", () -> Node.of("", scale(1), "x"));
        assertMessage("alias 'layer4' points to 'nope', which is neither a graph input nor a node", () -> new Graph(x,
                List.of(Node.of("a", scale(1), "x")), List.of("a"), Map.of("layer4", "nope")));
        Graph ok = new Graph(x, List.of(Node.of("a", scale(1), "x")), List.of("a"));
        assertMessage("'x' is a graph input, not a node", () -> ok.node("x"));
        assertMessage("graph input 'x' was not fed", () -> ok.run(Map.of("y", row(1, 2)), List.of("a")));
    }

    @Test
    void aFailingLayerIsNamedInTheError() {
        Layer<Void> broken = new Layer<>() {
            @Override
            public Forward<Void> forward(INDArray... in) {
                throw new IllegalArgumentException("kernel larger than input");
            }

            @Override
            public Backward backward(Void cache, INDArray dy, Need need) {
                return Backward.of(dy);
            }
        };
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)), List.of(Node.of("conv7", broken, "x")), List.of("conv7"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.predict(row(1, 2)));
        assertTrue(e.getMessage().contains("node 'conv7'") && e.getMessage().contains("kernel larger than input")
                && e.getMessage().contains("[1, 2]"), e.getMessage());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable build) {
        RuntimeException e = assertThrows(RuntimeException.class, build);
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
