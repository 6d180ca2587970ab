package org.xai4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.xai4j.engine.Gradients;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.BatchNormTraining;
import org.xai4j.layers.Constant;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.FloatBatchNormTraining;
import org.xai4j.layers.Linear;

class TrainingGraphTest {

    /** The same graph in float64: every Conv2d, Linear and BatchNorm2d with its arrays cast. */
    static Graph toDouble(Graph g) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Layer<?> l = n.layer();
            if (l instanceof Conv2d c) {
                l = new Conv2d(d(c.weight()), c.bias() == null ? null : d(c.bias()), c.spec());
            } else if (l instanceof Linear f) {
                l = new Linear(d(f.weight()), f.bias() == null ? null : d(f.bias()));
            } else if (l instanceof BatchNorm2d b) {
                l = new BatchNorm2d(d(b.gamma()), d(b.beta()), d(b.mean()), d(b.var()), b.eps());
            }
            nodes.add(new Node(n.name(), l, n.inputs()));
        }
        return new Graph(g.inputs(), nodes, g.outputs(), g.aliases());
    }

    private static INDArray d(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c');
    }

    static INDArray uniform(long seed, DataType type, long... shape) {
        Random rng = new Random(seed);
        INDArray x = Nd4j.create(DataType.DOUBLE, shape);
        INDArray flat = x.reshape(x.length());
        for (long i = 0; i < x.length(); i++) {
            flat.putScalar(i, 2 * rng.nextDouble() - 1);
        }
        return x.castTo(type);
    }

    /**
     * Every parameter gradient of a whole small ResNet in training mode (batch norms through their
     * batch statistics, residual fan-out, global pooling, the loss) against central differences of
     * the cross-entropy, in double, at 12 seeded coordinates per parameter array.
     */
    @Test
    void parameterGradientsOfTheWholeNetworkMatchCentralDifferences() {
        TrainingGraph t = TrainingGraph.of(toDouble(SmallResNet.build(3, 16, 3, new int[] {4, 8}, new int[] {1, 1})));
        INDArray x = uniform(4, DataType.DOUBLE, 6, 3, 16, 16);
        int[] labels = {0, 1, 2, 2, 1, 0};
        Map<String, Map<String, INDArray>> analytic;
        try (Tape tape = t.graph().forward(x)) {
            SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.PLAIN.apply(tape.value("fc"), labels);
            Gradients g = tape.backward("fc", r.dz(), List.of(), true);
            analytic = g.parameters();
        }
        Random rng = new Random(5);
        double h = 1e-6;
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Node n : t.graph().nodes()) {
            for (Map.Entry<String, INDArray> e : n.layer().parameters().entrySet()) {
                INDArray p = e.getValue().reshape(e.getValue().length());
                INDArray a = analytic.get(n.name()).get(e.getKey()).reshape(p.length());
                for (int k = 0; k < 12; k++) {
                    long i = rng.nextInt((int) p.length());
                    double v = p.getDouble(i);
                    p.putScalar(i, v + h);
                    double plus = loss(t.graph(), x, labels);
                    p.putScalar(i, v - h);
                    double minus = loss(t.graph(), x, labels);
                    p.putScalar(i, v);
                    double numeric = (plus - minus) / (2 * h);
                    // GradientCheck's rule (1e-6 relative, 1e-8 absolute floor); a ReLU kink within h of an
                    // activation would show as an O(1) relative miss at one coordinate (none at this seed).
                    if (Math.abs(numeric - a.getDouble(i)) > 1e-8 + 1e-6 * Math.abs(numeric)) {
                        failures.add(n.name() + "/" + e.getKey() + "[" + i + "]: analytic " + a.getDouble(i) + ", numeric " + numeric);
                    }
                    checked++;
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " mismatches: " + failures);
        assertTrue(checked > 150, "checked " + checked);
    }

    /**
     * The float32 step runs other kernels than the float64 check above (oneDNN's convolutions and
     * their backward take float only): its parameter gradients must agree with float64's.
     */
    @Test
    void float32GradientsAgreeWithFloat64() {
        Graph model = SmallResNet.build(8, 32, 4);
        INDArray x = uniform(9, DataType.DOUBLE, 8, 3, 32, 32);
        int[] labels = {0, 1, 2, 3, 3, 2, 1, 0};
        Map<String, Map<String, INDArray>> g32 = gradients(TrainingGraph.of(model), x.castTo(DataType.FLOAT), labels);
        Map<String, Map<String, INDArray>> g64 = gradients(TrainingGraph.of(toDouble(model)), x, labels);
        for (String node : g64.keySet()) {
            for (String p : g64.get(node).keySet()) {
                INDArray a = g64.get(node).get(p), b = g32.get(node).get(p).castTo(DataType.DOUBLE);
                double scale = a.amaxNumber().doubleValue();
                // float32 rounding (6e-8) grown through ~20 layers and sums over a batch: 1e-3 of the largest
                // entry is far above it, and a wrong float kernel (a transposed weight, a lost term) is O(1).
                assertTrue(a.sub(b).amaxNumber().doubleValue() <= 1e-3 * scale, node + "/" + p);
            }
        }
    }

    private static Map<String, Map<String, INDArray>> gradients(TrainingGraph t, INDArray x, int[] labels) {
        try (Tape tape = t.graph().forward(x)) {
            SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.PLAIN.apply(tape.value("fc"), labels);
            return tape.backward("fc", r.dz(), List.of(), true).parameters();
        }
    }

    private static double loss(Graph g, INDArray x, int[] labels) {
        try (Tape tape = g.forward(x)) {
            return SoftmaxCrossEntropy.PLAIN.apply(tape.value("fc"), labels).loss();
        }
    }

    /**
     * After T passes of the same batch, running = (1 - m)^T initial + (1 - (1 - m)^T) batch, with the
     * batch variance unbiased (M / (M - 1) times the biased one).
     */
    @Test
    void runningStatisticsFollowTheirClosedForm() {
        Graph model = SmallResNet.build(1, 16, 3, new int[] {4}, new int[] {1});
        TrainingGraph t = TrainingGraph.of(toDouble(model));
        INDArray x = uniform(2, DataType.DOUBLE, 5, 3, 16, 16).muli(3).addi(0.5);
        double m = 0.1;
        int T = 7;
        INDArray conv1;
        for (int i = 0; i < T; i++) {
            try (Tape tape = t.graph().forward(x)) {
                t.updateRunningStatistics(tape, m);
            }
        }
        try (Tape tape = t.graph().forward(x)) {
            conv1 = tape.value("conv1").dup();
        }
        INDArray[] running = t.runningStatistics("bn1");
        long M = conv1.length() / conv1.size(1);
        double decay = Math.pow(1 - m, T);
        for (int c = 0; c < conv1.size(1); c++) {
            INDArray v = conv1.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            double mean = v.meanNumber().doubleValue();
            double unbiased = v.sub(mean).muli(v.sub(mean)).sumNumber().doubleValue() / (M - 1);
            // Initial statistics 0 and 1 (SmallResNet); sums of 640 doubles: 1e-12 is rounding, a wrong rule is O(0.1).
            assertEquals((1 - decay) * mean, running[0].getDouble(c), 1e-12, "mean of channel " + c);
            assertEquals(decay + (1 - decay) * unbiased, running[1].getDouble(c), 1e-12, "variance of channel " + c);
        }
        assertTrue(t.graph().node("bn1").layer() instanceof FloatBatchNormTraining f && f.reference() instanceof BatchNormTraining);
        // The model given was not touched: its batch norm still holds 0 and 1.
        assertEquals(0, ((BatchNorm2d) model.node("bn1").layer()).mean().sumNumber().doubleValue());
    }

    /**
     * The switch to inference: each batch norm becomes the affine map of its running statistics,
     * folding keeps outputs and input gradients, and the snapshot does not follow later updates.
     */
    @Test
    void inferenceSnapshotUsesRunningStatisticsAndFolds() {
        TrainingGraph t = TrainingGraph.of(toDouble(SmallResNet.build(6, 16, 3, new int[] {4, 8}, new int[] {1, 1})));
        INDArray x = uniform(7, DataType.DOUBLE, 4, 3, 16, 16);
        for (int i = 0; i < 3; i++) {
            try (Tape tape = t.graph().forward(x)) {
                t.updateRunningStatistics(tape, 0.5);
            }
        }
        Graph inference = t.inference();
        BatchNorm2d bn = (BatchNorm2d) inference.node("layer2.0.bn2").layer();
        assertEquals(t.runningStatistics("layer2.0.bn2")[1], bn.var());
        INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
        try (Tape a = inference.forward(one)) {
            INDArray in = a.value("layer2.0.conv2"), out = a.value("layer2.0.bn2");
            double worst = 0;
            for (int c = 0; c < in.size(1); c++) {
                double scale = bn.gamma().getDouble(c) / Math.sqrt(bn.var().getDouble(c) + bn.eps());
                for (int i = 0; i < in.size(2); i++) {
                    double expected = scale * (in.getDouble(0, c, i, 1) - bn.mean().getDouble(c)) + bn.beta().getDouble(c);
                    worst = Math.max(worst, Math.abs(expected - out.getDouble(0, c, i, 1)));
                }
            }
            // A handful of double operations on values of order 1.
            assertTrue(worst < 1e-12, "batch norm at inference differs by " + worst);
        }
        // One example gives the same logits alone as within a batch: no batch statistics at inference.
        INDArray alone = inference.predict(one);
        INDArray inBatch = inference.predict(x).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
        assertTrue(alone.sub(inBatch).amaxNumber().doubleValue() < 1e-12);
        Graph folded = BatchNormFolding.fold(inference);
        assertTrue(folded.nodes().stream().noneMatch(n -> n.layer() instanceof BatchNorm2d));
        INDArray seed = uniform(8, DataType.DOUBLE, 4, 3);
        try (Tape a = inference.forward(x); Tape b = folded.forward(x)) {
            // Folding reassociates a few products per output (BatchNorm2dTest's bound).
            assertTrue(a.output().sub(b.output()).amaxNumber().doubleValue() < 1e-12);
            INDArray ga = a.backward("fc", seed, List.of("input")).get("input");
            INDArray gb = b.backward("fc", seed, List.of("input")).get("input");
            assertTrue(ga.sub(gb).amaxNumber().doubleValue() < 1e-12);
        }
        INDArray before = inference.predict(x);
        t.parameters().get("fc/bias").addi(1);
        t.runningStatistics("bn1")[0].addi(1);
        assertEquals(before, inference.predict(x), "the snapshot must not see later updates");
    }

    @Test
    void fasterFormsTrainAsTheirReferenceLayers() {
        Graph model = SmallResNet.build(1, 16, 3, new int[] {4}, new int[] {1});
        Graph fast = org.xai4j.layers.Specialization.apply(model);
        assertTrue(!(fast.node("fc").layer() instanceof Linear), "the head should have a faster form to test with");
        TrainingGraph t = TrainingGraph.of(fast);
        assertTrue(t.graph().node("fc").layer() instanceof Linear);
        assertEquals(TrainingGraph.of(model).parameters().keySet(), t.parameters().keySet());
    }

    @Test
    void refusesLayersItCannotTrain() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 2)),
                List.of(Node.of("c", new Constant(Nd4j.ones(DataType.FLOAT, 2)))), List.of("c"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingGraph.of(g));
        assertTrue(e.getMessage().contains("node 'c'") && e.getMessage().contains("trainable layers: Conv2d, Linear, BatchNorm2d"),
                e.getMessage());
    }
}
