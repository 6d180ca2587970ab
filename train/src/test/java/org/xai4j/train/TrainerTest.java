package org.xai4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Linear;
import org.xai4j.layers.ReLU;

class TrainerTest {

    /**
     * Two Gaussian blobs in the plane, centres (-2, 0.5) and (2, -0.5), standard deviation 0.5,
     * points further than 4 sd from their centre's side redrawn: every point is at least 1 from the
     * line x = 0 on its own side, so the set is linearly separable with a margin.
     */
    static InMemoryExamples blobs(long seed, int n) {
        Random rng = new Random(seed);
        double[][] x = new double[n][2];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            double sign = labels[i] == 0 ? -1 : 1;
            double a;
            do {
                a = sign * 2 + 0.5 * rng.nextGaussian();
            } while (sign * a < 1);
            x[i][0] = a;
            x[i][1] = -sign * 0.5 + 0.5 * rng.nextGaussian();
        }
        return new InMemoryExamples(Nd4j.create(x).castTo(DataType.FLOAT), labels);
    }

    /** Linear(2 -> 8) -> BatchNorm over [N, 8] -> ReLU -> Linear(8 -> 2): a batch norm in the loop. */
    static Graph mlp(long seed) {
        Random rng = new Random(seed);
        return new Graph(List.of(Graph.Input.of("x", -1, 2)), List.of(
                Node.of("fc1", new Linear(gaussian(rng, 0.7, 8, 2), Nd4j.zeros(DataType.FLOAT, 8)), "x"),
                Node.of("bn", new BatchNorm2d(Nd4j.ones(DataType.FLOAT, 8), Nd4j.zeros(DataType.FLOAT, 8),
                        Nd4j.zeros(DataType.FLOAT, 8), Nd4j.ones(DataType.FLOAT, 8), 1e-5), "fc1"),
                Node.of("relu", new ReLU(), "bn"),
                Node.of("fc2", new Linear(gaussian(rng, 0.35, 2, 8), Nd4j.zeros(DataType.FLOAT, 2)), "relu")),
                List.of("fc2"));
    }

    private static INDArray gaussian(Random rng, double sd, long... shape) {
        float[] v = new float[(int) (shape[0] * shape[1])];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (sd * rng.nextGaussian());
        }
        return Nd4j.create(v, shape, 'c');
    }

    @Test
    void learnsALinearlySeparableSetCompletely() {
        for (Optimizer o : List.of(new Sgd(0.9, 1e-4), Adam.of(1e-4))) {
            double lr = o instanceof Sgd ? 0.1 : 0.01;
            List<TrainingProgress.EpochReport> seen = new ArrayList<>();
            Trainer.Result r = Trainer.fit(mlp(1), blobs(2, 256), blobs(3, 200),
                    TrainingOptions.DEFAULT.withEpochs(8).withBatchSize(32).withOptimizer(o).withSchedule(Schedule.cosine(lr, 8)),
                    new TrainingProgress() {
                        @Override
                        public void epoch(EpochReport report) {
                            seen.add(report);
                        }
                    });
            assertEquals(8, seen.size());
            assertEquals(r.epochs(), seen);
            TrainingProgress.EpochReport last = seen.get(7);
            assertEquals(1.0, last.heldOutAccuracy(), o.describe() + ": " + last);
            assertEquals(1.0, new Trainer(r.model(), TrainingOptions.DEFAULT).accuracy(blobs(2, 256)), o.describe());
            assertTrue(last.loss() < seen.get(0).loss() && last.loss() < 0.1, o.describe() + ": " + seen);
            assertEquals(8, last.steps());
        }
    }

    /**
     * Two trainings of the small ResNet from the same seed give the same weights and running
     * statistics to the bit; a third with another shuffling seed gives different ones, so the
     * comparison can fail.
     */
    @Test
    void sameSeedSameWeightsToTheBit() {
        // The bundled configuration (64x64, batch 32), so the kernels that decide are the ones a real training runs.
        Graph model = SmallResNet.build(11, 64, 6);
        InMemoryExamples data = new InMemoryExamples(TrainingGraphTest.uniform(12, DataType.FLOAT, 96, 3, 64, 64),
                new Random(13).ints(96, 0, 6).toArray());
        TrainingOptions o = TrainingOptions.DEFAULT.withEpochs(2).withBatchSize(32).withOptimizer(Adam.of(1e-4))
                .withSchedule(Schedule.cosine(3e-3, 2));
        Map<String, INDArray> a = weights(Trainer.fit(model, data, null, o, TrainingProgress.NONE).model());
        Map<String, INDArray> b = weights(Trainer.fit(model, data, null, o, TrainingProgress.NONE).model());
        Map<String, INDArray> c = weights(Trainer.fit(model, data, null, o.withSeed(1), TrainingProgress.NONE).model());
        assertEquals(a.keySet(), b.keySet());
        boolean anyDiffers = false;
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).data().asFloat(), b.get(k).data().asFloat(), 0f, k);
            anyDiffers |= !a.get(k).equals(c.get(k));
        }
        assertTrue(anyDiffers, "another shuffling seed must give other weights");
        assertTrue(a.keySet().contains("bn1/var") && a.keySet().contains("fc/weight"));
        Map<String, INDArray> initial = weights(model);
        assertFalse(initial.get("fc/weight").equals(a.get("fc/weight")), "training must change the weights");
        assertEquals(initial, weights(model), "the given model is never changed");
    }

    private static Map<String, INDArray> weights(Graph g) {
        Map<String, INDArray> w = new java.util.LinkedHashMap<>();
        for (Node n : g.nodes()) {
            n.layer().parameters().forEach((k, v) -> w.put(n.name() + "/" + k, v.dup()));
        }
        return w;
    }

    @Test
    void divergenceIsAnErrorNotNaNWeights() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Trainer.fit(mlp(1), blobs(2, 64), null,
                TrainingOptions.DEFAULT.withEpochs(50).withBatchSize(32).withOptimizer(new Sgd(0.9, 0))
                        .withSchedule(Schedule.constant(1e30)), TrainingProgress.NONE));
        assertTrue(e.getMessage().startsWith("training diverged: the loss is"), e.getMessage());
    }

    @Test
    void refusesWhatItCannotTrain() {
        Graph free = new Graph(List.of(Graph.Input.of("x", -1, -1)), mlp(1).nodes(), List.of("fc2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Trainer(free, TrainingOptions.DEFAULT))
                .getMessage().contains("fixed input sizes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Trainer.fit(mlp(1), blobs(1, 1), null,
                TrainingOptions.DEFAULT, TrainingProgress.NONE)).getMessage().contains("at least 2 examples"));
        assertThrows(IllegalArgumentException.class, () -> TrainingOptions.DEFAULT.withBatchSize(1));
    }
}
