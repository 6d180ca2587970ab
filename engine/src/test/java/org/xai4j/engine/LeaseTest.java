package org.xai4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The plans of a graph under threads: bounded in number, shared by leases, closed when released. */
class LeaseTest {

    /** A plan that counts how many exist and how many are in use at once. */
    private static final class FakePlan implements Accelerator.Plan {
        static final AtomicInteger open = new AtomicInteger();
        boolean closed;

        FakePlan() {
            open.incrementAndGet();
        }

        @Override
        public Map<String, INDArray> run(INDArray x) {
            return Map.of();
        }

        @Override
        public String describe() {
            return "fake";
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
            }
        }
    }

    private static Acceleration.PlanKey key(boolean backward) {
        return new Acceleration.PlanKey(3, List.of("out"), "[1, 3, 8, 8]", backward, Map.of(), "");
    }

    @Test
    void sixteenThreadsShareAtMostOnePlanPerCoreAndAllAreServed() throws Exception {
        Acceleration.Plans plans = new Acceleration.Plans();
        AtomicInteger compiled = new AtomicInteger();
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger mostInUse = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    try (Acceleration.Lease l = plans.lease(key(true), () -> {
                        compiled.incrementAndGet();
                        return Optional.of(new FakePlan());
                    })) {
                        assertNotNull(l, "a thread holding no plan waits for one instead of going without");
                        mostInUse.accumulateAndGet(inUse.incrementAndGet(), Math::max);
                        Thread.onSpinWait();
                        inUse.decrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(compiled.get() <= Acceleration.PLANS_PER_KEY, compiled + " plans compiled for one kind");
        assertTrue(mostInUse.get() <= Acceleration.PLANS_PER_KEY, mostInUse + " plans in use at once");
        plans.close();
        assertEquals(0, FakePlan.open.get(), "closing the graph's plans closes every idle one");
    }

    @Test
    void aThreadThatHoldsABackwardPlanNeverWaitsForItself() throws Exception {
        Acceleration.Plans plans = new Acceleration.Plans();
        List<Acceleration.Lease> held = new ArrayList<>();
        for (int i = 0; i < Acceleration.PLANS_PER_KEY; i++) {
            held.add(plans.lease(key(true), () -> Optional.of(new FakePlan())));
        }
        // Every plan of the kind is leased by this thread: a further pass runs node by node.
        assertNull(plans.lease(key(true), () -> Optional.of(new FakePlan())));
        // Another thread waits until one is given back.
        CountDownLatch leased = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            try (Acceleration.Lease l = plans.lease(key(true), () -> Optional.of(new FakePlan()))) {
                assertNotNull(l);
                leased.countDown();
            }
        });
        other.start();
        assertEquals(1, leased.getCount(), "the other thread must wait");
        held.remove(0).close();
        assertTrue(leased.await(10, TimeUnit.SECONDS), "a plan given back wakes a waiting thread");
        other.join();
        held.forEach(Acceleration.Lease::close);
        plans.close();
    }

    /** A tape closed on another thread than the one that opened it gives its pass back all the same. */
    @Test
    void passesEndWhereverTheirTapeIsClosed() throws Exception {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)), List.of(Node.of("a", new ToyLayers.Scale(Nd4j.scalar(2.0)), "x")),
                List.of("a"));
        INDArray x = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 1, 2);
        for (int i = 0; i < Passes.AT_ONCE + 2; i++) {
            Tape t = g.forward(x);
            Thread closer = new Thread(t::close);
            closer.start();
            closer.join();
        }
        // Every permit is free again: as many threads as the limit each hold a pass at once.
        CountDownLatch holding = new CountDownLatch(Passes.AT_ONCE);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < Passes.AT_ONCE; i++) {
            Thread th = new Thread(() -> {
                try (Tape t = g.forward(x)) {
                    holding.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            th.start();
            threads.add(th);
        }
        assertTrue(holding.await(10, TimeUnit.SECONDS), "a permit leaked: fewer than " + Passes.AT_ONCE + " passes could run");
        release.countDown();
        for (Thread th : threads) {
            th.join();
        }
    }

    @Test
    void aStretchThatDoesNotCompileIsTriedOnce() {
        Acceleration.Plans plans = new Acceleration.Plans();
        AtomicInteger tries = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertNull(plans.lease(key(false), () -> {
                tries.incrementAndGet();
                return Optional.empty();
            }));
        }
        assertEquals(1, tries.get());
        assertTrue(plans.describe().get(0).endsWith("not compilable"), plans.describe().toString());
    }

    @Test
    void aPlanLeasedWhenTheGraphIsReleasedClosesWhenGivenBack() {
        Acceleration.Plans plans = new Acceleration.Plans();
        FakePlan p = new FakePlan();
        Acceleration.Lease l = plans.lease(key(true), () -> Optional.of(p));
        plans.close();
        assertTrue(!p.closed, "a plan in use is not closed under its pass");
        l.close();
        assertTrue(p.closed);
        assertNull(plans.lease(key(true), () -> Optional.of(new FakePlan())), "a released graph compiles nothing more");
    }
}
