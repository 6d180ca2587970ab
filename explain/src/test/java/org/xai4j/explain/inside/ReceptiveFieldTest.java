package org.xai4j.explain.inside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.Concat;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Float64;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

class ReceptiveFieldTest {

    /**
     * The analytic sizes and jumps, layer by layer (Araujo et al. 2019's recurrence by hand).
     * ResNet-18: conv1 7x7/2 -> 7 (jump 2); max pool 3x3/2 -> 7 + 2*2 = 11 (jump 4); layer1, four
     * 3x3 at jump 4 -> 11 + 4*8 = 43; layer2, a 3x3/2 at jump 4 then three at jump 8 -> 43 + 8 +
     * 48 = 99; layer3 -> 99 + 16 + 96 = 211; layer4 -> 211 + 32 + 192 = 435.
     */
    @Test
    void resnet18MatchesTheAnalyticSizes() {
        ReceptiveField rf = ReceptiveField.of(ResNet.resnet18(0), 224, 224);
        long[][] expected = {{7, 2}, {11, 4}, {43, 4}, {99, 8}, {211, 16}, {435, 32}};
        String[] nodes = {"conv1", "maxpool", "layer1", "layer2", "layer3", "layer4"};
        for (int i = 0; i < nodes.length; i++) {
            ReceptiveField.Field f = rf.field(nodes[i]);
            assertEquals(expected[i][0], f.y().size(), nodes[i] + " size");
            assertEquals(expected[i][0], f.x().size(), nodes[i] + " size");
            assertEquals(expected[i][1], f.y().jump(), nodes[i] + " jump");
        }
        // Symmetric pads keep the field centred on the pixel grid: conv1's output 0 is centred on pixel 0.
        assertEquals(0.0, rf.field("conv1").y().centre(0));
        assertEquals(-0.5 + 0.5, rf.field("maxpool").y().centre(0));
        // Past global pooling, every unit sees the whole photo.
        ReceptiveField.Region r = rf.region("fc", 0, 0);
        assertEquals(new ReceptiveField.Span(0, 223), r.rows());
    }

    /**
     * MobileNet v1 (Keras, TF "same" pads): conv1 3x3/2 -> 3 (jump 2); each depthwise 3x3 adds 2
     * jumps: dw1 -> 7, dw2 (/2) -> 11 (jump 4), dw3 -> 19, dw4 (/2) -> 27 (jump 8), dw5 -> 43,
     * dw6 (/2) -> 59 (jump 16), dw7..dw11 -> 59 + 5*32 = 219, dw12 (/2) -> 251 (jump 32),
     * dw13 -> 315. Pointwise convolutions change nothing.
     */
    @Test
    void mobilenetV1MatchesTheAnalyticSizes() {
        ReceptiveField rf = ReceptiveField.of(MobileNet.v1(0, 0.25), 224, 224);
        long[] sizes = {7, 11, 19, 27, 43, 59, 91, 123, 155, 187, 219, 251, 315};
        long[] jumps = {2, 4, 4, 8, 8, 16, 16, 16, 16, 16, 16, 32, 32};
        assertEquals(3, rf.field("conv1_relu").y().size());
        for (int i = 0; i < sizes.length; i++) {
            ReceptiveField.Field f = rf.field("conv_pw_" + (i + 1) + "_relu");
            assertEquals(sizes[i], f.y().size(), f.node());
            assertEquals(sizes[i], f.x().size(), f.node());
            assertEquals(jumps[i], f.x().jump(), f.node());
        }
        // "same" at stride 2 pads only bottom and right: output 0 of conv1 reads pixels 0..2.
        assertEquals(new ReceptiveField.Axis(2, 0, 2), rf.field("conv1").y());
    }

    @Test
    void bruteForceOnResNet18() {
        Graph g = ResNet.resnet18(1);
        // 45 is odd at every stage (45 -> 23 -> 12 -> 6 -> 3 -> 2): windows overhang the bottom edge.
        for (String node : List.of("maxpool", "layer1.1", "layer2.0.conv1", "layer2", "layer3.0")) {
            checkAgainstGradient(g, node, 45, 45);
        }
    }

    @Test
    void bruteForceOnMobileNets() {
        checkAgainstGradient(MobileNet.v1(2, 0.25), "conv_pw_2_relu", 37, 41);
        checkAgainstGradient(MobileNet.v1(2, 0.25), "conv_pw_5_relu", 37, 41);
        Graph v2 = MobileNet.v2(3);
        checkAgainstGradient(v2, "features.3.add", 35, 33);
        checkAgainstGradient(v2, "features.7", 35, 33);
    }

    /** Dilation, asymmetric pads, a strided 1x1 branch, a concatenation, "same" pooling and ceil mode. */
    @Test
    void bruteForceOnBuiltGraphs() {
        SplittableRandom rng = new SplittableRandom(4);
        List<Node> nodes = new ArrayList<>();
        nodes.add(Node.of("a", conv(rng, 3, 4, 3, 3, ConvSpec.DEFAULT.withPadding(1, 0, 2, 3)), "input"));
        nodes.add(Node.of("b", conv(rng, 4, 4, 3, 3, ConvSpec.DEFAULT.withDilation(2, 3).withPadding(2)), "a"));
        nodes.add(Node.of("c", conv(rng, 4, 4, 1, 1, ConvSpec.DEFAULT.withStride(2)), "a"));
        nodes.add(Node.of("d", conv(rng, 4, 4, 3, 2, ConvSpec.DEFAULT.withStride(2, 1).withPadding(Padding.SAME_UPPER)), "b"));
        nodes.add(Node.of("e", new Pad(new long[] {0, 0, 2, 0, 0, 0, 0, 1}, 0), "c"));
        nodes.add(Node.of("f", new Concat(1), "d", "d"));
        nodes.add(Node.of("g", new MaxPool2d(PoolSpec.of(3).withStride(2).withCeilMode(true)), "f"));
        nodes.add(Node.of("h", conv(rng, 4, 8, 3, 3, ConvSpec.DEFAULT.withPadding(Padding.SAME_LOWER).withDilation(2)), "e"));
        Graph g = new Graph(List.of(Graph.Input.of("input", -1, 3, -1, -1)), nodes, List.of("g", "h"));
        for (String node : List.of("a", "b", "c", "d", "e", "g", "h")) {
            checkAgainstGradient(g, node, 19, 22);
            checkAgainstGradient(g, node, 24, 17);
        }
        ReceptiveField rf = ReceptiveField.of(g, 19, 22);
        // b: a 3x3 kernel dilated (2, 3) on a: 1 + 2*2 = 5 rows and 1 + 3*2 = 7 columns of a, each 3 wide.
        assertEquals(7, rf.field("b").y().size());
        assertEquals(9, rf.field("b").x().size());
    }

    @Test
    void residualBranchesTakeTheUnion() {
        SplittableRandom rng = new SplittableRandom(5);
        List<Node> nodes = List.of(
                Node.of("wide", conv(rng, 3, 4, 5, 5, ConvSpec.DEFAULT.withPadding(2)), "input"),
                Node.of("narrow", conv(rng, 3, 4, 1, 1, ConvSpec.DEFAULT), "input"),
                Node.of("shifted", conv(rng, 3, 4, 3, 3, ConvSpec.DEFAULT.withPadding(0, 0, 2, 2)), "input"),
                Node.of("sum", new Add(), "wide", "narrow", "shifted"),
                Node.of("gap", new GlobalAvgPool(), "sum"));
        Graph g = new Graph(List.of(Graph.Input.of("input", -1, 3, -1, -1)), nodes, List.of("gap"));
        ReceptiveField rf = ReceptiveField.of(g, 16, 16);
        // wide reads [-2, 2], narrow [0, 0], shifted [0, 2]: the union is [-2, 2].
        assertEquals(new ReceptiveField.Axis(1, -2, 2), rf.field("sum").y());
        ReceptiveField.Region r = rf.region("sum", 15, 0);
        assertEquals(new ReceptiveField.Span(13, 15), r.rows());
        assertEquals(new ReceptiveField.Span(13, 17), r.rowsUnclipped());
        assertEquals(new ReceptiveField.Span(0, 2), r.columns());
        checkAgainstGradient(g, "sum", 16, 16);
        assertEquals(new ReceptiveField.Span(0, 15), rf.region("gap", 0, 0).columns());
    }

    /** On the real weights: a pixel just outside a unit's region leaves it bit for bit; one just inside moves it. */
    @Test
    void pixelsOutsideTheRegionCannotChangeTheUnit() {
        Graph g = freeSize(Float64.copyOf(ResNet.resnet18(6)));
        int size = 64;
        ReceptiveField rf = ReceptiveField.of(g, size, size);
        // layer1.0 sees 27 x 27 pixels at jump 4: unit (8, 9) reads rows 19..45 and columns 23..49.
        String node = "layer1.0";
        ReceptiveField.Region r = rf.region(node, 8, 9);
        assertEquals(new ReceptiveField.Span(19, 45), r.rows());
        assertEquals(new ReceptiveField.Span(23, 49), r.columns());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 3, size, size).subi(0.5);
        double unit = unit(g, node, x, 8, 9);
        long[][] outside = {{r.rows().from() - 1, r.columns().from()}, {r.rows().to() + 1, r.columns().to()},
            {r.rows().from(), r.columns().from() - 1}, {r.rows().to(), r.columns().to() + 1}};
        long[][] inside = {{r.rows().from(), r.columns().from()}, {r.rows().to(), r.columns().to()}};
        for (long[] p : outside) {
            assertEquals(unit, unit(g, node, bump(x, p), 8, 9), "pixel " + p[0] + "," + p[1] + " outside " + r);
        }
        int moved = 0;
        for (long[] p : inside) {
            moved += unit(g, node, bump(x, p), 8, 9) != unit ? 1 : 0;
        }
        assertTrue(moved > 0, "no pixel on the region's border changed the unit: " + r);
    }

    private static INDArray bump(INDArray x, long[] p) {
        INDArray y = x.dup();
        for (int c = 0; c < 3; c++) {
            y.putScalar(new long[] {0, c, p[0], p[1]}, y.getDouble(0, c, p[0], p[1]) + 3);
        }
        return y;
    }

    private static double unit(Graph g, String node, INDArray x, long row, long column) {
        INDArray a = g.run(Map.of("input", x), List.of(node)).get(node);
        double s = 0;
        for (long c = 0; c < a.size(1); c++) {
            s += Math.abs(a.getDouble(0, c, row, column));
        }
        return s;
    }

    /**
     * For a few units of {@code node}, the bounding box of the input pixels whose gradient is not
     * zero equals the region. The network is made linear with positive weights (|W| + 0.01 for
     * convolutions, no bias, activations and batch norms as identities, max pooling as average
     * pooling of the same window), in float64 with a positive input: every path from a pixel to the
     * unit then adds a positive amount and nothing cancels, so "not zero" is "connected".
     */
    static void checkAgainstGradient(Graph graph, String node, int h, int w) {
        Graph g = positiveLinear(graph);
        ReceptiveField rf = ReceptiveField.of(graph, h, w);
        ReceptiveField.Field f = rf.field(node);
        String input = g.inputs().get(0).name();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 3, h, w).addi(0.5);
        long[][] positions = {{0, 0}, {f.height() - 1, f.width() - 1}, {f.height() / 2, f.width() / 2}, {0, f.width() - 1},
            {f.height() - 1, f.width() / 3}};
        for (long[] p : positions) {
            try (Tape tape = g.forward(Map.of(input, x))) {
                INDArray y = tape.value(g.resolve(node));
                INDArray seed = Nd4j.zeros(DataType.DOUBLE, y.shape());
                seed.putScalar(new long[] {0, 0, p[0], p[1]}, 1);
                INDArray dx = tape.backward(g.resolve(node), seed, List.of(input)).get(input);
                long r0 = Long.MAX_VALUE, r1 = -1, c0 = Long.MAX_VALUE, c1 = -1;
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        double s = 0;
                        for (int c = 0; c < 3; c++) {
                            s += dx.getDouble(0, c, i, j);
                        }
                        if (s != 0) {
                            r0 = Math.min(r0, i);
                            r1 = Math.max(r1, i);
                            c0 = Math.min(c0, j);
                            c1 = Math.max(c1, j);
                        }
                    }
                }
                ReceptiveField.Region r = rf.region(node, p[0], p[1]);
                String at = node + " at " + p[0] + "," + p[1] + " of " + h + "x" + w;
                boolean none = r1 < 0;
                assertEquals(none ? ReceptiveField.Span.EMPTY : new ReceptiveField.Span(r0, r1), r.rows(), at + " rows");
                assertEquals(none ? ReceptiveField.Span.EMPTY : new ReceptiveField.Span(c0, c1), r.columns(), at + " columns");
                assertTrue(none || r.rowsUnclipped().from() <= r.rows().from() && r.rowsUnclipped().to() >= r.rows().to(), at);
            }
        }
    }

    private static Graph positiveLinear(Graph g) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Layer<?> l = n.layer();
            if (l instanceof Conv2d c) {
                l = new Conv2d(Transforms.abs(c.weight().castTo(DataType.DOUBLE)).addi(0.01), null, c.spec());
            } else if (l instanceof MaxPool2d m) {
                l = new AvgPool2d(m.spec(), false);
            } else if (l instanceof AvgPool2d || l instanceof Add || l instanceof Concat || l instanceof Pad || l instanceof GlobalAvgPool) {
                // Positive already.
            } else if (n.inputs().size() == 1) {
                l = new Identity();
            }
            nodes.add(new Node(n.name(), l, n.inputs()));
        }
        return freeSize(new Graph(g.inputs(), nodes, g.outputs(), g.aliases()));
    }

    /** The zoo fixes 224 x 224; the same graph taking any size. */
    static Graph freeSize(Graph g) {
        return new Graph(List.of(Graph.Input.of(g.inputs().get(0).name(), -1, 3, -1, -1)), g.nodes(), g.outputs(), g.aliases());
    }

    private static Conv2d conv(SplittableRandom rng, int c, int k, int r, int s, ConvSpec spec) {
        double[] w = new double[k * c / spec.groups() * r * s];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextDouble() - 0.5;
        }
        return new Conv2d(Nd4j.create(w, new long[] {k, c / spec.groups(), r, s}, DataType.DOUBLE), null, spec);
    }

    private static final class Transforms {
        static INDArray abs(INDArray a) {
            return org.nd4j.linalg.ops.transforms.Transforms.abs(a, true);
        }
    }
}
