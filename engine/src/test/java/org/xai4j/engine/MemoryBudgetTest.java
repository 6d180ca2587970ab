package org.xai4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The budget's arithmetic, its settings, and that a pass over it is refused before any layer runs. */
class MemoryBudgetTest {

    /** Widens the last axis by {@code factor}; forward must never run in these tests. */
    record Widen(long factor) implements Layer<Void> {
        @Override
        public Forward<Void> forward(INDArray... x) {
            throw new AssertionError("forward ran: the budget check should have refused the pass first");
        }

        @Override
        public long[] outputShape(long[]... x) {
            long[] y = x[0].clone();
            y[y.length - 1] *= factor;
            return y;
        }

        @Override
        public Backward backward(Void cache, INDArray dy, Need need) {
            throw new AssertionError();
        }
    }

    /** x [1,10] -> a [1,20] -> b [1,40] -> c [1,10]: 40, 80, 160 and 40 bytes of float32. */
    private static Graph chain() {
        return new Graph(List.of(Graph.Input.of("x", 1, 10)),
                List.of(Node.of("a", new Widen(2), "x"), Node.of("b", new Widen(2), "a"), Node.of("c", new Widen(1), "b")),
                List.of("c"));
    }

    @Test
    void inferencePeakFreesValuesAfterTheirLastReader() {
        Graph g = new Graph(List.of(Graph.Input.of("x", 1, 10)),
                List.of(Node.of("a", new Widen(2), "x"), Node.of("b", new Widen(2), "a"), Node.of("c", new Widen(1), "b")),
                List.of("c"));
        Map<String, long[]> in = Map.of("x", new long[] {1, 10});
        // At b: x (40, a feed is never freed) + a (80, freed only after b ran) + b (160) = 280; at c,
        // a is gone: 40 + 160 + 160 = 360, the peak.
        MemoryBudget.check(g, in, Set.of("c"), false, 4, 360);
        MemoryBudget.Exceeded e = assertThrows(MemoryBudget.Exceeded.class,
                () -> MemoryBudget.check(g, in, Set.of("c"), false, 4, 359));
        assertTrue(e.getMessage().contains("node 'c'") && e.getMessage().contains("[1, 40]"), e.getMessage());
        e = assertThrows(MemoryBudget.Exceeded.class, () -> MemoryBudget.check(g, in, Set.of("c"), false, 4, 279));
        assertTrue(e.getMessage().contains("node 'b'"), e.getMessage());
        // Recorded: every value kept plus its gradient, 40 + 2 * (80 + 160 + 160) = 840.
        MemoryBudget.check(g, in, Set.of(), true, 4, 840);
        assertThrows(MemoryBudget.Exceeded.class, () -> MemoryBudget.check(g, in, Set.of(), true, 4, 839));
        // Keeping a alive moves the peak to c: 40 + 80 + 160 + 160 = 440.
        MemoryBudget.check(g, in, Set.of("a", "c"), false, 4, 440);
        assertThrows(MemoryBudget.Exceeded.class, () -> MemoryBudget.check(g, in, Set.of("a", "c"), false, 4, 439));
    }

    @Test
    void anInputOverTheBudgetIsNamedAndOverflowingShapesNeverWrap() {
        Graph g = chain();
        MemoryBudget.Exceeded e = assertThrows(MemoryBudget.Exceeded.class,
                () -> MemoryBudget.check(g, Map.of("x", new long[] {1, 3, 100000, 100000}), Set.of(), false, 4, 1L << 30));
        assertTrue(e.getMessage().contains("input 'x'") && e.getMessage().contains("111.8 GiB"), e.getMessage());
        // 2^62 * 2^62 * 4 bytes wraps to 0 in 64-bit arithmetic; it must count as too large.
        assertEquals(Long.MAX_VALUE, MemoryBudget.size(new long[] {1L << 62, 1L << 62}, 4));
        assertEquals(Long.MAX_VALUE, MemoryBudget.size(new long[] {-2, -3}, 4));
        assertEquals(24, MemoryBudget.size(new long[] {2, 3}, 4));
    }

    @Test
    void aPassOverTheBudgetFailsBeforeAnyLayerRuns() {
        Graph g = chain();
        INDArray x = Nd4j.ones(DataType.FLOAT, 1, 10);
        String before = System.getProperty(MemoryBudget.PROPERTY);
        System.setProperty(MemoryBudget.PROPERTY, "100");
        try {
            MemoryBudget.Exceeded e = assertThrows(MemoryBudget.Exceeded.class, () -> g.predict(x));
            assertTrue(e.getMessage().contains("node 'a'") && e.getMessage().contains(MemoryBudget.PROPERTY), e.getMessage());
            assertThrows(MemoryBudget.Exceeded.class, () -> g.forward(x));
        } finally {
            if (before == null) {
                System.clearProperty(MemoryBudget.PROPERTY);
            } else {
                System.setProperty(MemoryBudget.PROPERTY, before);
            }
        }
    }

    /** Counts how often the check asked for its shape. */
    static final class Counted implements Layer<Void> {
        int asked;

        @Override
        public Forward<Void> forward(INDArray... x) {
            throw new AssertionError();
        }

        @Override
        public long[] outputShape(long[]... x) {
            asked++;
            return x[0].clone();
        }

        @Override
        public Backward backward(Void cache, INDArray dy, Need need) {
            throw new AssertionError();
        }
    }

    @Test
    void aPassThatFittedIsNotWalkedAgainUnlessItsShapesOrTheBudgetChange() {
        Counted layer = new Counted();
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 10)), List.of(Node.of("a", layer, "x")), List.of("a"));
        String before = System.getProperty(MemoryBudget.PROPERTY);
        try {
            System.setProperty(MemoryBudget.PROPERTY, "1000");
            MemoryBudget.checkInference(g, Map.of("x", new long[] {2, 10}), List.of("a"), 4);
            MemoryBudget.checkInference(g, Map.of("x", new long[] {2, 10}), List.of("a"), 4);
            assertEquals(1, layer.asked, "the same pass again");
            MemoryBudget.checkRecorded(g, Map.of("x", new long[] {2, 10}), 4);
            MemoryBudget.checkInference(g, Map.of("x", new long[] {4, 10}), List.of("a"), 4);
            assertEquals(3, layer.asked, "a recorded pass, another batch");
            // 4 x 10 floats in, as many out: 320 bytes, refused once the budget is 300.
            System.setProperty(MemoryBudget.PROPERTY, "300");
            assertThrows(MemoryBudget.Exceeded.class, () -> MemoryBudget.checkInference(g, Map.of("x", new long[] {4, 10}), List.of("a"), 4));
        } finally {
            if (before == null) {
                System.clearProperty(MemoryBudget.PROPERTY);
            } else {
                System.setProperty(MemoryBudget.PROPERTY, before);
            }
        }
    }

    @Test
    void shapesComeFromTheLayersAlone() {
        Map<String, long[]> s = chain().shapes(Map.of("x", new long[] {2, 5}));
        assertArrayEquals(new long[] {2, 20}, s.get("b"));
        assertArrayEquals(new long[] {2, 20}, s.get("c"));
    }

    @Test
    void sizesAreReadLikeJavaMemoryOptions() {
        assertEquals(8L << 30, MemoryBudget.parse("8g", "p"));
        assertEquals(512L << 20, MemoryBudget.parse(" 512M ", "p"));
        assertEquals(3L << 29, MemoryBudget.parse("1.5g", "p"));
        assertEquals(1000, MemoryBudget.parse("1000", "p"));
        for (String bad : new String[] {"-1", "0", "lots", "8 gigs", "1e9", "0x10", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(bad, "XAI4J_MEMORY_BUDGET"));
            assertTrue(e.getMessage().startsWith("XAI4J_MEMORY_BUDGET=" + bad) && e.getMessage().contains("e.g. 8g"), e.getMessage());
        }
    }

    @Test
    void theDefaultLeavesRoomForTheHeap() {
        long budget = MemoryBudget.machineDefault();
        long physical = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        assertTrue(budget >= 256L << 20 && budget <= physical - Runtime.getRuntime().maxMemory() || budget == 256L << 20,
                budget + " of " + physical);
    }
}
