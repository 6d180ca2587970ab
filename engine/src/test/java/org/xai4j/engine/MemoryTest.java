package org.xai4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MemoryTest {

    /** y = 2x into a pooled output, as the real layers allocate. */
    static final class Double implements Layer<Void> {
        @Override
        public Forward<Void> forward(INDArray... x) {
            INDArray y = Memory.uninitialized(x[0].dataType(), x[0].shape());
            y.assign(x[0]).muli(2);
            return Forward.of(y, null);
        }

        @Override
        public Backward backward(Void cache, INDArray dy, Need need) {
            INDArray dx = Memory.uninitialized(dy.dataType(), dy.shape());
            dx.assign(dy).muli(2);
            return Backward.of(dx);
        }
    }

    private final Graph g = new Graph(List.of(Graph.Input.of("x", -1, 3)),
            List.of(Node.of("a", new Double(), "x"), Node.of("b", new Double(), "a")), List.of("b"));

    @BeforeEach
    void emptyPool() {
        Memory.trim();
    }

    @Test
    void theNextPassRunsInTheBuffersOfTheLast() {
        INDArray x = Nd4j.create(new float[] {1, 2, 3}, 1, 3);
        DataBuffer first;
        try (Tape t = g.forward(x)) {
            first = t.value("a").data();
        }
        assertTrue(Memory.pooledBytes() >= 2 * 3 * 4, "both activations went back to the pool");
        try (Tape t = g.forward(x)) {
            DataBuffer a = t.value("a").data();
            DataBuffer b = t.value("b").data();
            assertTrue(a == first || b == first, "a buffer of the last pass is reused");
            assertNotSame(a, b, "two live activations never share a pooled buffer");
            assertArrayEquals(new float[] {4, 8, 12}, t.output().toFloatVector(), 0f, "stale contents are overwritten");
        }
    }

    @Test
    void resultsHandedToTheCallerStayOutOfThePool() {
        INDArray x = Nd4j.create(new float[] {1, 2, 3}, 1, 3);
        INDArray y = g.predict(x);
        INDArray dx;
        try (Tape t = g.forward(x)) {
            dx = t.backward("b", Nd4j.ones(DataType.FLOAT, 1, 3), List.of("x")).get("x");
        }
        for (int i = 0; i < 3; i++) {
            try (Tape t = g.forward(x.mul(10))) {
                t.backward("b", Nd4j.ones(DataType.FLOAT, 1, 3).muli(7), List.of("x"));
            }
        }
        assertArrayEquals(new float[] {4, 8, 12}, y.toFloatVector(), 0f);
        assertArrayEquals(new float[] {4, 4, 4}, dx.toFloatVector(), 0f);
    }

    @Test
    void idleBuffersAreFreedAfterAFewPasses() {
        try (Tape t = g.forward(Nd4j.ones(DataType.FLOAT, 64, 3))) {
            assertEquals(64 * 3, t.output().length());
        }
        long big = Memory.pooledBytes();
        assertTrue(big >= 2 * 64 * 3 * 4);
        // Other sizes from now on: the 64-row buffers sit idle and go.
        for (int i = 0; i <= Memory.IDLE_PASSES; i++) {
            g.predict(Nd4j.ones(DataType.FLOAT, 1, 3)).close();
        }
        assertTrue(Memory.pooledBytes() < 64 * 3 * 4, "pooled " + Memory.pooledBytes() + " bytes");
    }

    @Test
    void recycledScratchIsTakenAgain() {
        INDArray s = Memory.uninitialized(DataType.FLOAT, 5, 7);
        DataBuffer b = s.data();
        Memory.recycle(s);
        assertSame(b, Memory.uninitialized(DataType.FLOAT, 7, 5).data(), "same type and length, any shape");
    }

    @Test
    void asksForACollectionOnceTheIntervalHasGoneBy() {
        Duration saved = Memory.collectionInterval();
        try {
            Memory.setCollectionInterval(Duration.ofNanos(1));
            long before = collections();
            for (int i = 0; i < 3; i++) {
                g.predict(Nd4j.ones(DataType.FLOAT, 1, 3)).close();
            }
            assertTrue(collections() > before, "a System.gc() after the interval");
            Memory.setCollectionInterval(Duration.ZERO);
            assertEquals(Duration.ZERO, Memory.collectionInterval());
        } finally {
            Memory.setCollectionInterval(saved);
        }
    }

    @Test
    void aDefaultIntervalGivesWayToTheProperty() {
        Duration saved = Memory.collectionInterval();
        String property = System.getProperty(Memory.INTERVAL_PROPERTY);
        try {
            System.clearProperty(Memory.INTERVAL_PROPERTY);
            Memory.setDefaultCollectionInterval(Duration.ofSeconds(10));
            assertEquals(Duration.ofSeconds(10), Memory.collectionInterval(), "no property: the application's default");
            System.setProperty(Memory.INTERVAL_PROPERTY, "3");
            Memory.setCollectionInterval(Duration.ofSeconds(3)); // what the property set when Memory loaded
            Memory.setDefaultCollectionInterval(Duration.ofSeconds(10));
            assertEquals(Duration.ofSeconds(3), Memory.collectionInterval(), "the property's interval stays");
        } finally {
            if (property == null) {
                System.clearProperty(Memory.INTERVAL_PROPERTY);
            } else {
                System.setProperty(Memory.INTERVAL_PROPERTY, property);
            }
            Memory.setCollectionInterval(saved);
        }
    }

    private static long collections() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }
}
