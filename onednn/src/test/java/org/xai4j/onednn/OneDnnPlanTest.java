package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Hooks;
import org.xai4j.engine.Node;
import org.xai4j.engine.RectifierRule;
import org.xai4j.engine.Tape;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Float64;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * The compiled oneDNN plan against the engine's node-by-node reference, on the same graphs and
 * inputs. Tolerance: relative 1e-4 of the largest magnitude of each value. Both paths compute in
 * float32 but sum in different orders (blocked kernels, fused bias and residuals), so they differ
 * by rounding; across the 50 layers of ResNet-50 that stays near 1e-5 relative.
 */
class OneDnnPlanTest {

    @AfterEach
    void reset() {
        Acceleration.setEnabled(true);
    }

    @Test
    void isFoundByTheEngine() {
        assertTrue(Acceleration.active(), Acceleration.describe());
    }

    /**
     * Which classifier heads run in a plan: a Flatten read only by Linears, over a value the plan
     * computes, of at most {@link OneDnnAccelerator#MAX_HEAD_WEIGHTS} weights; nothing in a plan
     * reads the rows they make; a Flatten is never handed back.
     */
    @Test
    void aClassifierHeadRunsInAPlanOnlyWhereItFoldsIntoOneProduct() {
        OneDnnAccelerator a = new OneDnnAccelerator();
        INDArray w = Nd4j.ones(DataType.FLOAT, 4, 3);
        Graph head = new Graph(List.of(Graph.Input.of("x", -1, 3, 5, 5)), List.of(
                Node.of("gap", new GlobalAvgPool(), "x"), Node.of("flat", new Flatten(1), "gap"),
                Node.of("fc", new Linear(w, null), "flat"), Node.of("relu", new ReLU(), "fc")), List.of("relu"));
        assertTrue(a.supports(head, head.node("flat")) && a.supports(head, head.node("fc")));
        assertFalse(a.supports(head, head.node("relu")), "a ReLU after the Linear reads its rows");
        assertFalse(a.canReturn(head.node("flat")), "a folded Flatten has no buffer");
        Graph alsoRead = new Graph(List.of(Graph.Input.of("x", -1, 3, 5, 5)), List.of(
                Node.of("gap", new GlobalAvgPool(), "x"), Node.of("flat", new Flatten(1), "gap"),
                Node.of("fc", new Linear(w, null), "flat"), Node.of("relu", new ReLU(), "flat")), List.of("fc", "relu"));
        assertFalse(a.supports(alsoRead, alsoRead.node("flat")), "a Flatten another layer reads");
        assertFalse(a.supports(alsoRead, alsoRead.node("fc")), "a Linear over an unsupported Flatten");
        Graph ofInput = new Graph(List.of(Graph.Input.of("x", -1, 3, 5, 5)), List.of(
                Node.of("flat", new Flatten(1), "x"),
                Node.of("fc", new Linear(Nd4j.ones(DataType.FLOAT, 4, 75), null), "flat")), List.of("fc"));
        assertFalse(a.supports(ofInput, ofInput.node("flat")), "a Flatten of the graph's own input");
        INDArray huge = Nd4j.createUninitialized(DataType.FLOAT, 1, OneDnnAccelerator.MAX_HEAD_WEIGHTS + 1);
        Graph large = new Graph(List.of(Graph.Input.of("x", -1, 3, 5, 5)), List.of(
                Node.of("gap", new GlobalAvgPool(), "x"), Node.of("flat", new Flatten(1), "gap"),
                Node.of("fc", new Linear(huge, null), "flat")), List.of("fc"));
        assertFalse(a.supports(large, large.node("flat")) || a.supports(large, large.node("fc")),
                "a head whose weights the plan would copy beyond the bound");
    }

    @Test
    void resnet18MatchesTheReference() {
        compareRun(Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7))), 2);
    }

    @Test
    void resnet50MatchesTheReference() {
        compareRun(Specialization.apply(BatchNormFolding.fold(ResNet.resnet50(7))), 1);
    }

    @Test
    void mobilenetV2MatchesTheReference() {
        compareRun(Specialization.apply(BatchNormFolding.fold(MobileNet.v2(7))), 2);
    }

    @Test
    void mobilenetV1MatchesTheReference() {
        compareRun(Specialization.apply(BatchNormFolding.fold(MobileNet.v1(7, 0.5))), 1);
    }

    /**
     * The accelerator reads a specialized layer as its reference layer: the graph after
     * Specialization.apply compiles, forward and for a backward to the input, into exactly the
     * plans (steps, fusions, kernels) of the graph before it.
     */
    @Test
    void theRewrittenGraphCompilesToTheSamePlans() {
        for (Graph reference : List.of(BatchNormFolding.fold(ResNet.resnet18(4)), BatchNormFolding.fold(MobileNet.v2(4)))) {
            Graph rewritten = Specialization.apply(reference);
            String in = reference.inputs().get(0).name();
            String out = reference.outputs().get(0);
            Nd4j.getRandom().setSeed(8);
            INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);
            INDArray seed = Nd4j.zeros(DataType.FLOAT, 1, 1000).putScalar(0, 7, 1.0);
            for (Graph g : List.of(reference, rewritten)) {
                g.run(Map.of(in, x), List.of(out));
                try (Tape t = g.forward(Map.of(in, x), List.of(in))) {
                    t.backward(out, seed, List.of(in));
                }
            }
            assertFalse(reference.describePlans().isEmpty());
            assertEquals(reference.describePlans(), rewritten.describePlans());
        }
    }

    @Test
    void unfoldedBatchNormEndsThePlanButNotTheAnswer() {
        compareRun(ResNet.resnet18(3), 1);
    }

    /** Strides, dilation, groups, asymmetric and "same" pads, pooling variants, a shared value. */
    @Test
    void convolutionAndPoolingSettingsMatchTheReference() {
        Graph g = settingsGraph();
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 37, 29);
        for (List<String> keep : List.of(List.of("gap"), List.of("r1", "sum", "id", "max", "gap"))) {
            Map<String, INDArray> fast = g.run(Map.of("x", x), keep);
            Acceleration.setEnabled(false);
            Map<String, INDArray> ref = g.run(Map.of("x", x), keep);
            Acceleration.setEnabled(true);
            for (String k : keep) {
                assertClose(ref.get(k), fast.get(k), k);
            }
        }
        assertFalse(g.describePlans().isEmpty());
        assertFalse(String.join("\n", g.describePlans()).contains("ref:"), () -> "a reference kernel was chosen:\n" + g.describePlans());
    }

    /** Grad-CAM's pass: the body runs as a plan, the head is recorded, gradients are unchanged. */
    @Test
    void aForwardForABackwardToALateNodeGivesTheSameGradient() {
        Graph g = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(5)));
        String layer = lastAddRelu(g);
        String out = g.outputs().get(0);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);
        INDArray seed = Nd4j.zeros(DataType.FLOAT, 1, 1000).putScalar(0, 7, 1.0);
        INDArray a1, g1, a2, g2;
        try (Tape t = g.forward(Map.of("input", x), List.of(layer))) {
            a1 = t.value(layer).dup();
            g1 = t.backward(out, seed, List.of(layer)).get(layer).dup();
            // The body ran as a plan: its values were not kept and it has no backward.
            assertThrows(IllegalArgumentException.class, () -> t.backward(out, seed, List.of("input")));
            assertThrows(IllegalArgumentException.class, () -> t.value(g.nodes().get(3).name()));
        }
        Acceleration.setEnabled(false);
        try (Tape t = g.forward(Map.of("input", x))) {
            a2 = t.value(layer).dup();
            g2 = t.backward(out, seed, List.of(layer)).get(layer).dup();
        }
        assertClose(a2, a1, layer);
        assertClose(g2, g1, "gradient at " + layer);
    }

    /** Saliency's pass: the plan runs the body and its backward; the input gradient is unchanged. */
    @Test
    void aBackwardToTheInputThroughThePlanMatchesTheReferenceOnResNet() {
        compareInputGradient(Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(5))), 1);
    }

    /**
     * MobileNetV2's ReLU6 has two kinks per unit, and float32 rounding puts a few units on the
     * other side of one depending on the order of summation (the oracle README reports the same
     * against PyTorch). So here both float32 paths are judged against the exact float64 gradient:
     * the plan must be as accurate as the node-by-node engine (within 2x of its error).
     */
    @Test
    void aBackwardToTheInputThroughThePlanIsAsAccurateAsTheReferenceOnMobileNet() {
        SeededMobileNet net = SeededMobileNet.of(5, 9, 1);
        Graph g = net.graph();
        INDArray seed = Nd4j.randn(DataType.FLOAT, 1, 1000);
        INDArray fast;
        INDArray ref;
        INDArray exact;
        try (Tape t = g.forward(Map.of(net.in(), net.x()), List.of(net.in()))) {
            fast = t.backward(net.out(), seed, List.of(net.in())).get(net.in()).dup();
        }
        Acceleration.setEnabled(false);
        try (Tape t = g.forward(Map.of(net.in(), net.x()))) {
            ref = t.backward(net.out(), seed, List.of(net.in())).get(net.in()).dup();
        }
        try (Tape t = Float64.copyOf(g).forward(Map.of(net.in(), net.x().castTo(DataType.DOUBLE)))) {
            exact = t.backward(net.out(), seed.castTo(DataType.DOUBLE), List.of(net.in())).get(net.in()).castTo(DataType.FLOAT);
        }
        Acceleration.setEnabled(true);
        double planError = fast.sub(exact).norm2Number().doubleValue() / exact.norm2Number().doubleValue();
        double engineError = ref.sub(exact).norm2Number().doubleValue() / exact.norm2Number().doubleValue();
        assertTrue(planError <= 2 * engineError + 1e-5,
                "relative L2 error against float64: plan " + planError + ", node-by-node engine " + engineError);
    }

    @Test
    void aBackwardToTheInputMatchesOnAwkwardSettings() {
        compareInputGradient(settingsGraph(), 2);
    }

    private static void compareInputGradient(Graph g, int batch) {
        compareInputGradient(g, batch, Hooks.NONE);
    }

    private static void compareInputGradient(Graph g, int batch, Hooks hooks) {
        String in = g.inputs().get(0).name();
        String out = g.outputs().get(0);
        long[] shape = g.inputs().get(0).shape().clone();
        shape[0] = batch;
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        INDArray fast, again, ref;
        INDArray seed;
        try (Tape t = g.forward(Map.of(in, x), List.of(in), hooks)) {
            seed = Nd4j.randn(DataType.FLOAT, t.output().shape());
            fast = t.backward(out, seed, List.of(in)).get(in).dup();
        }
        try (Tape t = g.forward(Map.of(in, x), List.of(in), hooks)) {
            again = t.backward(out, seed, List.of(in)).get(in).dup();
            // A plan gives input gradients only: parameter gradients need a full record.
            assertThrows(IllegalArgumentException.class, () -> t.backward(out, seed, List.of(in), true));
        }
        Acceleration.setEnabled(false);
        try (Tape t = g.forward(Map.of(in, x), hooks)) {
            ref = t.backward(out, seed, List.of(in)).get(in).dup();
        }
        Acceleration.setEnabled(true);
        assertTrue(String.join("\n", g.describePlans()).contains("backward=true"), "no backward plan was compiled: " + g.describePlans());
        assertFalse(String.join("\n", g.describePlans()).contains("ref:"), () -> "a reference kernel was chosen:\n" + g.describePlans());
        assertClose(ref, fast, "input gradient");
        assertClose(ref, again, "input gradient, second pass");
    }

    /**
     * Keras's ZeroPadding2D before "valid" convolutions and pooling: zero Pads fold into the
     * padding of the convolutions that read them (asymmetric, on top of a convolution's own,
     * shared by two readers) and of max pooling after a ReLU, forward and backward. A Pad that
     * max pooling reads from a value that may be negative ends the plan.
     */
    @Test
    void zeroPadsFoldIntoTheConvolutionsAndPoolingThatReadThem() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 33, 30);
        for (String variant : List.of("convolutions", "pooling after a ReLU", "pooling after a convolution")) {
            Graph g = padGraph(variant);
            Map<String, INDArray> fast = g.run(Map.of("x", x), List.of("out"));
            Acceleration.setEnabled(false);
            Map<String, INDArray> ref = g.run(Map.of("x", x), List.of("out"));
            Acceleration.setEnabled(true);
            assertClose(ref.get("out"), fast.get("out"), variant);
            String plans = String.join("\n", g.describePlans());
            assertTrue(plans.contains("c1 + [p1"), () -> variant + ": the first Pad should fold into c1:\n" + plans);
            assertFalse(plans.contains("ref:"), () -> "a reference kernel was chosen:\n" + plans);
            if (variant.equals("pooling after a convolution")) {
                assertTrue(plans.contains("length=2"), () -> variant + ": the plan should end before the second Pad:\n" + plans);
            } else {
                assertTrue(plans.contains("length=" + g.nodes().size()), () -> variant + ": the whole graph should be one plan:\n" + plans);
                compareInputGradient(g, 2);
            }
        }
    }

    /**
     * Guided backprop and deconvnet put a {@link RectifierRule} on every rectifier: the backward
     * plan applies it itself (mask then relu(dy), or relu(dy) alone), and the input gradient equals
     * the node-by-node engine's, which calls the hook. ResNet-18 has ReLUs fused into convolutions
     * and additions; the settings graph a ReLU6, a standalone ReLU and a Clip that is no rectifier.
     */
    @Test
    void rectifierRulesRunInsideTheBackwardPlan() {
        for (RectifierRule kind : RectifierRule.values()) {
            for (Graph g : List.of(Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(5))), settingsGraph())) {
                Hooks rules = Hooks.NONE.rule(n -> n.layer() instanceof ReLU || n.layer() instanceof Clip c && c.min() == 0, kind);
                compareInputGradient(g, 1, rules);
                String plans = String.join("\n", g.describePlans());
                assertTrue(plans.contains(kind.name().toLowerCase() + " rule"), () -> kind + ": no rule in the plan:\n" + plans);
            }
        }
    }

    /**
     * The engine remembers which stretch a plan runs for passes without hooks, by the values a
     * pass keeps, the nodes it records and whether it goes backward; a pass that keeps an inner
     * value, hooks one, records for a backward from it or to the input must still get a stretch
     * of its own, before and after.
     */
    @Test
    void aRememberedStretchStillGivesWayToKeptValuesAndHooks() {
        Graph g = settingsGraph();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 37, 29);
        Map<String, INDArray> feeds = Map.of("x", x);
        Nd4j.getRandom().setSeed(4);
        INDArray seed = Nd4j.randn(DataType.FLOAT, 1, 16, 1, 1);
        Acceleration.setEnabled(false);
        INDArray refOut = g.predict(x).dup();
        INDArray refInner = g.run(feeds, List.of("sum")).get("sum").dup();
        INDArray refAtSum = gradient(g, feeds, "sum", seed);
        INDArray refAtX = gradient(g, feeds, "x", seed);
        Acceleration.setEnabled(true);
        for (int round = 0; round < 2; round++) {
            assertClose(refOut, g.predict(x), "output, round " + round);
            assertClose(refInner, g.run(feeds, List.of("sum")).get("sum"), "kept 'sum', round " + round);
            int[] seen = {0};
            INDArray[] hooked = new INDArray[1];
            Hooks watch = Hooks.NONE.forward(n -> n.name().equals("sum"), (node, y) -> {
                seen[0]++;
                hooked[0] = y.dup();
                return null;
            });
            INDArray out = g.run(feeds, List.of("gap"), watch).get("gap");
            assertEquals(1, seen[0], "the hook at 'sum' ran once, round " + round);
            assertClose(refInner, hooked[0], "hooked 'sum', round " + round);
            assertClose(refOut, out, "output with a hook, round " + round);
            // Same kept value as above, but recorded for a backward from it: another key.
            assertClose(refAtSum, gradient(g, feeds, "sum", seed), "gradient at 'sum', round " + round);
            assertClose(refAtX, gradient(g, feeds, "x", seed), "gradient at the input, round " + round);
        }
        String plans = String.join("\n", g.describePlans());
        int n = g.nodes().size();
        assertTrue(plans.contains("length=" + n + ", outputs=[gap],") && plans.contains("length=" + n + ", outputs=[gap, sum],")
                && plans.contains("length=4, outputs=[c2, c3, r1],") && plans.contains("length=" + n + ", outputs=[gap], shape=[1, 3, 37, 29], backward=true"),
                () -> "a whole plan, one that also hands out 'sum', one that ends before the hook at 'sum', a backward plan:\n" + plans);
    }

    /** The gradient of {@code seed} at the output with respect to {@code wrt}, from a pass recorded for it. */
    private static INDArray gradient(Graph g, Map<String, INDArray> feeds, String wrt, INDArray seed) {
        try (Tape t = g.forward(feeds, List.of(wrt))) {
            return t.backward(g.outputs().get(0), seed, List.of(wrt)).get(wrt).dup();
        }
    }

    /**
     * A NaN or an infinity in the input is the engine's one-line error before any plan runs on
     * it, and the plans run on a finite input afterwards as before: a whole plan, plans split
     * over threads (MobileNetV2 by rows, its image reordered first) and a forward for a backward.
     */
    @Test
    void aNonFiniteInputIsRefusedAndThePlansRunOnAfterIt() {
        Graph settings = settingsGraph();
        Graph mobile = Specialization.apply(BatchNormFolding.fold(MobileNet.v2(7)));
        record Case(Graph g, long[] shape, boolean backward) {}
        for (Case c : List.of(new Case(settings, new long[] {1, 3, 37, 29}, false), new Case(settings, new long[] {3, 3, 37, 29}, false),
                new Case(settings, new long[] {1, 3, 37, 29}, true), new Case(mobile, new long[] {1, 3, 224, 224}, false))) {
            String in = c.g().inputs().get(0).name();
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.randn(DataType.FLOAT, c.shape());
            // Compiled on a thread of two OpenMP threads, as a batch-1 plan that splits is.
            Supplier<INDArray> pass = () -> Crew.withOpenMpThreads(2, () -> {
                if (!c.backward()) {
                    return c.g().predict(x);
                }
                try (Tape t = c.g().forward(Map.of(in, x), List.of(in))) {
                    return t.value(c.g().outputs().get(0)).dup();
                }
            });
            INDArray before = pass.get().dup();
            float kept = x.getFloat(x.length() - 1);
            for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
                x.putScalar(x.length() - 1, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, pass::get);
                String what = Float.isNaN(bad) ? "1 NaN" : "1 infinite";
                assertEquals("input '" + in + "' holds " + what + " of " + x.length() + " values; inputs must be finite numbers",
                        e.getMessage(), () -> c + ": " + String.join("\n", c.g().describePlans()));
            }
            x.putScalar(x.length() - 1, kept);
            String shape = Arrays.toString(c.shape());
            assertClose(before, pass.get(), "the pass after the refused ones, " + shape);
            String key = "shape=" + shape + ", backward=" + c.backward();
            assertTrue(String.join("\n", c.g().describePlans()).contains(key), () -> c + ": no plan with " + key);
        }
        assertTrue(String.join("\n", mobile.describePlans()).contains("split over 2 threads by rows"),
                () -> "MobileNetV2 at batch 1 splits by rows:\n" + mobile.describePlans());
        assertTrue(String.join("\n", settings.describePlans()).contains("split over 2 threads"),
                () -> "the small graph splits at batch 1:\n" + settings.describePlans());
    }

    /** Grad-CAM at a Pad: its value is wanted, so the plan ends before it instead of not running. */
    @Test
    void aPadWhoseValueIsWantedEndsThePlanBeforeIt() {
        Graph g = padGraph("convolutions");
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 33, 30);
        INDArray seed = Nd4j.randn(DataType.FLOAT, 1, 16, 9, 7);
        INDArray a1, g1, a2, g2;
        try (Tape t = g.forward(Map.of("x", x), List.of("p2"))) {
            a1 = t.value("p2").dup();
            g1 = t.backward("out", seed, List.of("p2")).get("p2").dup();
        }
        String plans = String.join("\n", g.describePlans());
        assertTrue(plans.contains("length=3"), () -> "the plan should end before p2:\n" + plans);
        Acceleration.setEnabled(false);
        try (Tape t = g.forward(Map.of("x", x))) {
            a2 = t.value("p2").dup();
            g2 = t.backward("out", seed, List.of("p2")).get("p2").dup();
        }
        Acceleration.setEnabled(true);
        assertClose(a2, a1, "p2");
        assertClose(g2, g1, "gradient at p2");
    }

    private static Graph padGraph(String variant) {
        Nd4j.getRandom().setSeed(13);
        long[] keras = {0, 0, 0, 0, 0, 0, 1, 1}; // ZeroPadding2D(((0, 1), (0, 1)))
        Node p1 = new Node("p1", new Pad(new long[] {0, 0, 3, 2, 0, 0, 3, 2}, 0), List.of("x"));
        Node c1 = new Node("c1", conv(16, 3, 7, ConvSpec.DEFAULT.withStride(2).withPadding(1)), List.of("p1"));
        List<Node> nodes = switch (variant) {
            case "convolutions" -> List.of(p1, c1,
                    new Node("r1", new ReLU(), List.of("c1")),
                    new Node("p2", new Pad(keras, 0), List.of("r1")),
                    new Node("c2", conv(16, 1, 3, ConvSpec.DEFAULT.withStride(2).withGroups(16)), List.of("p2")),
                    new Node("c3", conv(16, 16, 3, ConvSpec.DEFAULT.withStride(2)), List.of("p2")),
                    new Node("out", new Add(), List.of("c2", "c3")));
            case "pooling after a ReLU" -> List.of(p1, c1,
                    new Node("r1", new ReLU(), List.of("c1")),
                    new Node("p2", new Pad(new long[] {0, 0, 1, 1, 0, 0, 1, 1}, 0), List.of("r1")),
                    new Node("m", new MaxPool2d(PoolSpec.of(3).withStride(2)), List.of("p2")),
                    new Node("out", new GlobalAvgPool(), List.of("m")));
            default -> List.of(p1, c1,
                    new Node("p2", new Pad(keras, 0), List.of("c1")),
                    new Node("m", new MaxPool2d(PoolSpec.of(3).withStride(2)), List.of("p2")),
                    new Node("out", new GlobalAvgPool(), List.of("m")));
        };
        return new Graph(List.of(Graph.Input.of("x", -1, 3, 33, 30)), nodes, List.of("out"));
    }

    private static Graph settingsGraph() {
        Nd4j.getRandom().setSeed(11);
        List<Node> nodes = List.of(
                new Node("c1", conv(16, 3, 3, ConvSpec.DEFAULT.withStride(2).withPadding(0, 1, 1, 0)), List.of("x")),
                new Node("r1", Clip.relu6(), List.of("c1")),
                new Node("c2", conv(16, 16, 3, ConvSpec.DEFAULT.withDilation(2).withPadding(2)), List.of("r1")),
                new Node("c3", conv(16, 8, 3, ConvSpec.DEFAULT.withGroups(2).withPadding(Padding.SAME_UPPER)), List.of("r1")),
                new Node("sum", new Add(), List.of("c2", "c3")),
                new Node("relu", new ReLU(), List.of("sum")),
                new Node("leak", new Clip(-0.5, 0.5), List.of("r1")),
                new Node("id", new Identity(), List.of("relu")),
                new Node("sum2", new Add(), List.of("id", "leak")),
                new Node("max", new MaxPool2d(PoolSpec.of(3).withStride(2).withPadding(1).withCeilMode(true)), List.of("sum2")),
                new Node("avg", new AvgPool2d(PoolSpec.of(2), false), List.of("max")),
                new Node("avgpad", new AvgPool2d(PoolSpec.of(3).withStride(1).withPadding(1), true), List.of("avg")),
                new Node("dw", conv(16, 1, 3, ConvSpec.DEFAULT.withGroups(16).withStride(2).withPadding(1)), List.of("avgpad")),
                new Node("gap", new GlobalAvgPool(), List.of("dw")));
        return new Graph(List.of(Graph.Input.of("x", -1, 3, 37, 29)), nodes, List.of("gap"));
    }

    private static String lastAddRelu(Graph g) {
        String last = null;
        for (Node n : g.nodes()) {
            if (n.layer() instanceof ReLU && g.node(n.inputs().get(0)).layer() instanceof Add) {
                last = n.name();
            }
        }
        return last;
    }

    private static void compareRun(Graph g, int batch) {
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, 224, 224);
        String in = g.inputs().get(0).name();
        Supplier<INDArray> run = () -> g.run(Map.of(in, x), g.outputs()).get(g.outputs().get(0));
        INDArray fast = run.get();
        INDArray again = run.get(); // the second run reuses the cached plan and its buffers
        Acceleration.setEnabled(false);
        INDArray ref = run.get();
        Acceleration.setEnabled(true);
        assertClose(ref, fast, "output");
        assertClose(ref, again, "output, second run");
        assertFalse(g.describePlans().isEmpty(), "no plan was compiled");
        assertFalse(String.join("\n", g.describePlans()).contains("ref:"), () -> "a reference kernel was chosen:\n" + g.describePlans());
    }

    private static void assertClose(INDArray ref, INDArray got, String what) {
        assertEquals(List.of(ref.shape()[0]), List.of(got.shape()[0]), what);
        assertTrue(Arrays.equals(ref.shape(), got.shape()), what + ": shapes differ");
        double scale = ref.amaxNumber().doubleValue();
        double err = ref.sub(got).amaxNumber().doubleValue();
        double l2 = ref.sub(got).norm2Number().doubleValue() / ref.norm2Number().doubleValue();
        assertTrue(err <= 1e-4 * scale, what + ": max |diff| " + err + " against max |ref| " + scale + ", relative L2 " + l2);
    }

    private static Conv2d conv(int k, int cPerGroup, int r, ConvSpec spec) {
        return new Conv2d(Nd4j.randn(DataType.FLOAT, k, cPerGroup, r, r).muli(0.3), Nd4j.randn(DataType.FLOAT, k).muli(0.1), spec);
    }
}
