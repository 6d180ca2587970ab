package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Acceleration;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * The receptive-field occlusion gives the naive one's numbers: in double on the miniature ResNet
 * (every square, strides that do and do not divide the input, every fill), and in float32 on the
 * zoo's ResNet-18 and MobileNetV2, where the local part really is a prefix of a deep network
 * (max pooling, strided and depthwise convolutions, residual additions, ReLU6).
 *
 * <p>Tolerances: in double the two differ only by summation order, 1e-10 of the largest drop. In
 * float32 the boxes run through other kernels than the full maps (other shapes, other blocking),
 * so the logits round differently, by about 1e-7 of their size; a drop is a difference of two
 * logits, so the bound is 1e-5 of the largest |logit| (the oracle README's occlusion rule). A wrong
 * halo or a misplaced box changes drops by percent.
 */
class ReceptiveFieldOcclusionTest {

    @Test
    void equalsTheNaiveOcclusionInDouble() {
        Graph cnn = TestNets.cnn(3, DataType.DOUBLE);
        INDArray x = TestNets.input(51, DataType.DOUBLE, 2, 3, 12, 12);
        for (int[] ps : List.of(new int[] {3, 3}, new int[] {4, 2}, new int[] {5, 3}, new int[] {1, 5}, new int[] {2, 1})) {
            for (Fill fill : List.of(Fill.value(0), Fill.mean())) {
                Occlusion.Result naive = new Occlusion(ps[0], ps[1], fill, 5, Progress.NONE).explain(cnn, x, Target.of(2));
                // 0.6: the tiny net's maps are 12 x 12 and 6 x 6, so the residual block is local only with a larger share.
                Occlusion.Result fast = new ReceptiveFieldOcclusion(ps[0], ps[1], fill, 5, Progress.NONE, 0.6).explain(cnn, x,
                        Target.of(2));
                double scale = naive.grid().amaxNumber().doubleValue();
                assertArrayEquals(Flat.read(naive.grid()), Flat.read(fast.grid()), 1e-10 * scale,
                        "patch " + ps[0] + " stride " + ps[1] + " fill " + fill.name());
                assertArrayEquals(Flat.read(naive.map()), Flat.read(fast.map()), 1e-10 * scale);
            }
        }
    }

    @Test
    void equalsTheNaiveOcclusionOnResNet18AndMobileNetV2() {
        // As an importer loads them: batch norm folded, the faster layers in place (the plan reads their reference layers).
        for (Graph g : List.of(Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(0))),
                Specialization.apply(BatchNormFolding.fold(MobileNet.v2(0))))) {
            INDArray x = TestNets.input(7, DataType.FLOAT, 1, 3, 224, 224);
            Occlusion.Result naive = new Occlusion(48, 44, Fill.value(0), 8, Progress.NONE).explain(g, x);
            Occlusion.Result fast = new ReceptiveFieldOcclusion(48, 44, Fill.value(0), 8, Progress.NONE).explain(g, x);
            double logit = Math.abs(naive.scores().valueOf(0));
            double worst = 0;
            double[] a = Flat.read(naive.grid());
            double[] b = Flat.read(fast.grid());
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            System.out.printf("receptive-field occlusion vs naive: max |difference| %.2e, largest drop %.2e, logit %.3f%n", worst,
                    naive.grid().amaxNumber().doubleValue(), logit);
            assertTrue(worst <= 1e-5 * Math.max(logit, naive.grid().amaxNumber().doubleValue()), "worst " + worst);
        }
    }

    @Test
    void theLocalPartStopsWhereTheChangeCoversMostOfTheMap() {
        Graph resnet50 = BatchNormFolding.fold(ResNet.resnet50(0));
        Occlusion.Geometry g = Occlusion.Geometry.of(32, 16, TestNets.input(1, DataType.FLOAT, 1, 3, 224, 224));
        List<ReceptiveField.Box> squares = new java.util.ArrayList<>();
        for (int k = 0; k < g.cells(); k++) {
            squares.add(new ReceptiveField.Box(g.top(k), g.top(k) + 32, g.left(k), g.left(k) + 32));
        }
        ReceptiveField plan = ReceptiveField.of(resnet50, "input", new long[] {1, 3, 224, 224}, "fc", squares);
        ReceptiveField.Value conv1 = plan.values().get("bn1");     // conv1 with bn1 folded in keeps bn1's name
        // conv1 7x7 stride 2 pad 3: input rows [0, 32) reach output rows 0 .. floor(34 / 2) = 17, 18 rows; rows
        // [16, 48) reach ceil((16 + 3 - 6) / 2) = 7 .. floor((47 + 3) / 2) = 25, 19 rows: the size of every box.
        assertTrue(conv1.bh() == 19 && conv1.changed()[0].r1() == 18 && conv1.changed()[14].r0() == 7
                && conv1.changed()[14].r1() == 26, conv1.bh() + " " + conv1.changed()[0] + " " + conv1.changed()[14]);
        System.out.println("local steps " + plan.steps().size() + ", boundary " + plan.boundary() + ", rest " + plan.rest().nodes().size());
        assertTrue(plan.values().containsKey("layer1.2.relu_2"), "layer1 is local");
        assertTrue(!plan.values().containsKey("layer4.0.conv1"), "layer4 is not");
    }

    /**
     * How fast an exact receptive-field occlusion can be at best: the share of the convolutions'
     * multiply-adds that lie in the rectangles a square can change, layer by layer to the global
     * pool (every 4-D node local, the exact rectangle of each square, not the fixed-size boxes),
     * averaged over the squares. With the clean pass on top, {@code 1 + n} full passes against
     * {@code 1 + n x share}. On ResNet-50 at patch 32, stride 16 (169 squares, the benchmark's setting)
     * that is 41.6% and 2.39x; ResNet-18 39.1% and 2.5x. A count written apart from this
     * code, over ResNet's table of layers, gives the same shares, so this checks the plan's
     * geometry as well: a halo one pixel too small or too large moves the share by whole percent.
     */
    @Test
    void theExactRegionsBoundTheSpeedUpBelowThreeOnResNet50() {
        Graph resnet50 = BatchNormFolding.fold(ResNet.resnet50(0));
        Graph resnet18 = BatchNormFolding.fold(ResNet.resnet18(0));
        assertEquals(0.416, changedShare(resnet50, 32, 16), 0.0005);
        assertEquals(0.391, changedShare(resnet18, 32, 16), 0.0005);
        double share = changedShare(resnet50, 32, 16);
        double ceiling = (1 + 169) / (1 + 169 * share);
        System.out.printf("ResNet-50, patch 32, stride 16: %.1f%% of the convolutions' multiply-adds can change, speed-up at most %.2fx%n",
                100 * share, ceiling);
        assertTrue(ceiling < 3, "ceiling " + ceiling);
    }

    /** The mean over squares of the changed share of all convolutions' multiply-adds (see above). */
    private static double changedShare(Graph graph, int patch, int stride) {
        long[] shape = {1, 3, 224, 224};
        Occlusion.Geometry g = Occlusion.Geometry.of(patch, stride, 224, 224);
        List<ReceptiveField.Box> squares = new java.util.ArrayList<>();
        for (int k = 0; k < g.cells(); k++) {
            squares.add(new ReceptiveField.Box(g.top(k), g.top(k) + patch, g.left(k), g.left(k) + patch));
        }
        ReceptiveField plan = ReceptiveField.of(graph, "input", shape, "fc", squares, 1.0);
        Map<String, long[]> shapes = graph.shapes(Map.of("input", shape));
        double full = 0;
        double changed = 0;
        for (org.xai4j.engine.Node node : graph.nodes()) {
            if (!(Specialization.reference(node.layer()) instanceof org.xai4j.layers.Conv2d conv)) {
                continue;
            }
            long[] out = shapes.get(node.name());
            double perPixel = conv.weight().length();         // C_out x C_in / groups x k_h x k_w
            full += perPixel * out[2] * out[3];
            ReceptiveField.Value v = plan.values().get(node.name());
            assertTrue(v != null, node.name() + " is local");
            for (ReceptiveField.Box b : v.changed()) {
                changed += perPixel * (b.r1() - b.r0()) * (b.c1() - b.c0()) / squares.size();
            }
        }
        return changed / full;
    }

    /**
     * On the benchmark's setting (ResNet-18 as loaded, patch 32, stride 16) every step and the rest
     * compile into oneDNN plans without reference loops: the rest has one input (the cut at a block
     * output) and the deep inputs are reordered into the plan's layout. Steps with two inputs (a
     * residual Add and its ReLU) run in Java, {@link BoxSum}.
     */
    @Test
    void theStepsAndTheRestRunInCompiledPlans() {
        assumeTrue(Acceleration.active(), "no accelerator: " + Acceleration.describe());
        Graph g = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(0)));
        Occlusion.Geometry geo = Occlusion.Geometry.of(32, 16, 224, 224);
        List<ReceptiveField.Box> squares = new java.util.ArrayList<>();
        for (int k = 0; k < geo.cells(); k++) {
            squares.add(new ReceptiveField.Box(geo.top(k), geo.top(k) + 32, geo.left(k), geo.left(k) + 32));
        }
        ReceptiveField plan = ReceptiveField.of(g, "input", new long[] {1, 3, 224, 224}, Head.of(g).logits(), squares);
        assertEquals(1, plan.boundary().size(), "boundary " + plan.boundary());
        List<Graph> compiled = new java.util.ArrayList<>(List.of(plan.rest()));
        plan.steps().stream().map(ReceptiveField.Step::graph).filter(s -> s.inputs().size() == 1).forEach(compiled::add);
        // The steps of two inputs are the residual Adds, with their ReLUs, which run in Java (BoxSum).
        List<ReceptiveField.Step> sums = plan.steps().stream().filter(s -> s.graph().inputs().size() > 1).toList();
        assertTrue(!sums.isEmpty() && sums.stream().allMatch(BoxSum::handles), "two-input steps " + sums.size());
        assertTrue(compiled.size() >= 4, "steps " + plan.steps().size());
        for (Graph part : compiled) {
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> feeds = new HashMap<>();
            for (Graph.Input in : part.inputs()) {
                long[] shape = in.shape().clone();
                shape[0] = 8;
                feeds.put(in.name(), Nd4j.rand(DataType.FLOAT, shape));
            }
            part.run(feeds, part.outputs());
            String plans = String.join("\n", part.describePlans());
            assertTrue(!plans.isEmpty() && !plans.contains("not compilable") && !plans.contains("ref:"),
                    part.inputs().get(0).name() + ": " + plans);
        }
    }
}
