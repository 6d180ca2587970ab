package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * {@link Specialization#apply}, the rewrite that puts the faster layers in: like
 * BatchNormFoldingTest, outputs and input gradients are unchanged, the original graph is not
 * touched, and the rewrite is idempotent; {@link Specialization#reference(Graph)} gives the
 * original layers back, and folding commutes with it.
 */
class SpecializationTest {

    /** A small graph with every kind the rewrite replaces, grouped convolutions (absent from the zoo) included. */
    private static Graph everyKind() {
        Nd4j.getRandom().setSeed(41);
        ConvSpec d = ConvSpec.DEFAULT;
        return new Graph(List.of(Graph.Input.of("x", -1, 4, 64, 64)), List.of(
                Node.of("stem", new Conv2d(w(8, 4, 3, 3), w(8), d.withStride(2).withPadding(0, 0, 1, 1)), "x"),
                Node.of("stem_relu6", Clip.relu6(), "stem"),
                Node.of("dw", new Conv2d(w(8, 1, 3, 3), w(8), d.withGroups(8).withPadding(1)), "stem_relu6"),
                Node.of("pw", new Conv2d(w(12, 8, 1, 1), w(12), d), "dw"),        // 32x32 = 1024 pixels: GEMMs
                Node.of("grouped", new Conv2d(w(12, 3, 3, 3), null, d.withGroups(4).withPadding(1)), "pw"),
                Node.of("relu", new ReLU(), "grouped"),
                Node.of("pool", new MaxPool2d(PoolSpec.of(3).withStride(2).withPadding(1)), "relu"),
                Node.of("pw_small", new Conv2d(w(6, 12, 1, 1), w(6), d), "pool"), // 16x16: oneDNN
                Node.of("gap", new GlobalAvgPool(), "pw_small"),
                Node.of("flat", new Flatten(1), "gap"),
                Node.of("fc", new Linear(w(10, 6), w(10)), "flat")),
                List.of("fc"), Map.of("classifier", "fc"));
    }

    private static INDArray w(long... shape) {
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5);
    }

    @Test
    void everyKindIsReplacedAndComputesTheSame() {
        Graph g = everyKind();
        Graph s = Specialization.apply(g);
        assertEquals(Map.of("stem_relu6", ReLU6.class, "dw", DepthwiseConv2d.class, "pw", PointwiseConv2d.class,
                "grouped", GroupedConv2d.class, "pool", Nd4jMaxPool2d.class, "pw_small", PointwiseConv2d.class,
                "fc", SparseSeedLinear.class), specialized(s));
        unchanged(g, s, Nd4j.rand(DataType.DOUBLE, 2, 4, 64, 64).subi(0.5));
    }

    @Test
    void zooNetworksKeepOutputsAndInputGradients() {
        // Float64: the comparison is then of two double computations, and no ReLU kink flips between them.
        for (Graph zoo : List.of(anySize(MobileNet.v2(5)), anySize(ResNet.resnet18(6)))) {
            Graph g = Float64.copyOf(BatchNormFolding.fold(zoo));
            Graph s = Specialization.apply(g);
            Set<Class<?>> kinds = Set.copyOf(specialized(s).values());
            assertTrue(kinds.containsAll(Set.of(PointwiseConv2d.class, SparseSeedLinear.class)), kinds.toString());
            Nd4j.getRandom().setSeed(7);
            unchanged(g, s, Nd4j.rand(DataType.DOUBLE, 2, 3, 64, 64).subi(0.5));
        }
    }

    @Test
    void foldingAndFloat64CommuteWithTheRewrite() {
        Graph zoo = anySize(MobileNet.v2(8));
        Graph foldedFirst = Specialization.apply(BatchNormFolding.fold(zoo));
        Graph rewrittenFirst = BatchNormFolding.fold(Specialization.apply(zoo));
        assertEquals(specialized(foldedFirst), specialized(rewrittenFirst));
        assertEquals(specialized(foldedFirst), specialized(Float64.copyOf(foldedFirst)));
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 64, 64).subi(0.5);
        // The same float32 operations in the same order: bit for bit.
        assertEquals(foldedFirst.predict(x), rewrittenFirst.predict(x));
    }

    /** The zoo graph taking any H x W (64 x 64 here: the reference's block-diagonal depthwise weights are slow at 224). */
    private static Graph anySize(Graph g) {
        return new Graph(List.of(Graph.Input.of(g.inputs().get(0).name(), -1, 3, -1, -1)), g.nodes(), g.outputs(), g.aliases());
    }

    /** The specialized nodes of a graph: name to class. */
    private static Map<String, Class<?>> specialized(Graph g) {
        return g.nodes().stream().filter(n -> n.layer() instanceof Specialized<?>)
                .collect(Collectors.toMap(Node::name, n -> n.layer().getClass()));
    }

    /**
     * s = apply(g): same names, inputs, outputs, aliases and descriptions; every layer g's own or
     * a specialized one whose reference is g's (weights shared); g untouched; apply idempotent;
     * reference(s) gives g's layers back; outputs and input gradients (a one-hot seed, an
     * explanation's, and a dense one) within 1e-10 of the largest value.
     */
    private static void unchanged(Graph g, Graph s, INDArray x) {
        List<Layer<?>> before = g.nodes().stream().<Layer<?>>map(Node::layer).toList();
        Graph again = Specialization.apply(s);
        Graph back = Specialization.reference(s);
        assertEquals(g.inputs().size(), s.inputs().size());
        assertEquals(g.outputs(), s.outputs());
        assertEquals(g.aliases(), s.aliases());
        for (int i = 0; i < g.nodes().size(); i++) {
            Node n = g.nodes().get(i), m = s.nodes().get(i);
            assertEquals(n.name(), m.name());
            assertEquals(n.inputs(), m.inputs());
            assertEquals(n.layer().describe(), m.layer().describe(), n.name());
            assertSame(n.layer(), Specialization.reference(m.layer()), n.name() + ": the reference layer itself, not a copy");
            assertSame(m.layer(), again.nodes().get(i).layer(), n.name() + ": applying twice changes nothing more");
            assertSame(n.layer(), back.nodes().get(i).layer(), n.name());
            assertSame(before.get(i), g.nodes().get(i).layer(), n.name() + ": the original graph is untouched");
        }
        String in = g.inputs().get(0).name();
        String out = g.outputs().get(0);
        try (Tape t1 = g.forward(Map.of(in, x), List.of(in)); Tape t2 = s.forward(Map.of(in, x), List.of(in))) {
            INDArray y = t1.output();
            double scale = y.amaxNumber().doubleValue();
            // Double sums of at most a few thousand products in another order, through a few dozen
            // layers: ~1e-14 relative per layer; 1e-10 is far above that and far below any real
            // difference (a wrong group, tap or row is O(1)).
            assertTrue(y.sub(t2.output()).amaxNumber().doubleValue() <= 1e-10 * scale, "outputs");
            INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, y.shape());
            oneHot.putScalar(0, 3, 1.0).putScalar(1, 7, 1.0);
            INDArray dense = Nd4j.rand(DataType.DOUBLE, y.shape()).subi(0.5);
            for (INDArray seed : List.of(oneHot, dense)) {
                INDArray dx1 = t1.backward(out, seed, List.of(in)).get(in);
                INDArray dx2 = t2.backward(out, seed, List.of(in)).get(in);
                assertTrue(dx1.sub(dx2).amaxNumber().doubleValue() <= 1e-10 * dx1.amaxNumber().doubleValue(), "input gradients");
            }
        }
    }
}
