package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;

/**
 * Every explainer from sixteen threads on one shared graph gives, bit for bit, what it gives on
 * one thread: hooks and rectifier rules belong to their call, and compiled plans are leased by
 * one pass at a time. The graph is float32 with batch norm folded, so the compiled plans run
 * (forward and backward, with the rules compiled in) while the threads interleave methods.
 * {@code -Dxai4j.concurrency.repetitions=40} repeats each method that often per thread. The
 * plans keep their direct kernels throughout: in Winograd's auto mode a plan switches kernels
 * after some runs, and threads holding plans of different ages would then differ in the last bits.
 */
class ConcurrencyTest {
    private static final int THREADS = 16;
    private static final int REPETITIONS = Integer.getInteger("xai4j.concurrency.repetitions", 2);

    /** Every method of the catalogue, with fewer steps and samples than the defaults to keep the test short. */
    static Map<String, Explainer<?>> methods() {
        // Perturbation settings that fit the 12 x 12 input and keep the passes few.
        Parameters p = Parameters.DEFAULT.withLayer("features").withSteps(8).withSamples(4).withBatchSize(2).withAugmentations(4)
                .withIterations(20).withPerturbation(Perturbation.DEFAULT.withInputSize(12, 12).withPatch(4).withStride(4)
                        .withMasks(5).withSegments(Segmentation.slic(4, 10)));
        Map<String, Explainer<?>> m = new LinkedHashMap<>();
        for (Method method : Methods.ALL) {
            m.put(method.name(), method.explainer(p));
        }
        return m;
    }

    private static final String WINOGRAD = "xai4j.onednn.winograd";

    @BeforeAll
    static void directKernels() {
        System.setProperty(WINOGRAD, "false");
    }

    @AfterAll
    static void defaultKernels() {
        System.clearProperty(WINOGRAD);
    }

    @Test
    void sixteenThreadsGiveWhatOneThreadGives() throws Exception {
        Graph graph = Specialization.apply(BatchNormFolding.fold(TestNets.cnn(3, DataType.FLOAT)));
        INDArray x = TestNets.input(51, DataType.FLOAT, 2, 3, 12, 12);
        Map<String, Explainer<?>> methods = methods();
        Map<String, float[]> alone = new LinkedHashMap<>();
        methods.forEach((name, e) -> alone.put(name, flat(e.explain(graph, x).map())));
        List<String> names = new ArrayList<>(methods.keySet());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int offset = t;
            done.add(pool.submit(() -> {
                int calls = 0;
                for (int r = 0; r < REPETITIONS; r++) {
                    for (int i = 0; i < names.size(); i++) {
                        // Each thread walks the methods from its own start: guided backprop next to
                        // Grad-CAM next to IG at any moment.
                        String name = names.get((i + offset) % names.size());
                        float[] got = flat(methods.get(name).explain(graph, x).map());
                        assertArrayEquals(alone.get(name), got, name + " on a thread differs from one thread");
                        calls++;
                    }
                }
                return calls;
            }));
        }
        int calls = 0;
        for (Future<Integer> f : done) {
            calls += f.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        assertTrue(calls == THREADS * REPETITIONS * names.size());
        String plans = String.join("\n", graph.describePlans());
        assertTrue(!Acceleration.active() || plans.contains("guided rule"), "the rules ran inside compiled plans:\n" + plans);
        Acceleration.release(graph);
    }

    private static float[] flat(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').reshape(a.length()).toFloatVector();
    }
}
