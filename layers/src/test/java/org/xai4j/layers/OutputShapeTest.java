package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Hooks;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * The shapes the memory budget plans with ({@link Layer#outputShape}) are the shapes forward
 * makes: on every node of the zoo networks at two input sizes, and on the layers the zoo lacks.
 */
class OutputShapeTest {

    private static void agrees(Graph g, long... inputShape) {
        Map<String, long[]> actual = new HashMap<>();
        g.run(Map.of(g.inputs().get(0).name(), Nd4j.rand(DataType.FLOAT, inputShape)), g.outputs(),
                Hooks.NONE.forward(n -> true, (node, y) -> {
                    actual.put(node.name(), y.shape());
                    return null;
                }));
        Map<String, long[]> planned = g.shapes(Map.of(g.inputs().get(0).name(), inputShape));
        for (Node n : g.nodes()) {
            assertArrayEquals(actual.get(n.name()), planned.get(n.name()), n.name() + " (" + n.layer().describe() + ")");
        }
    }

    private static Graph anySize(Graph g) {
        return new Graph(List.of(Graph.Input.of(g.inputs().get(0).name(), -1, 3, -1, -1)), g.nodes(), g.outputs(), g.aliases());
    }

    @Test
    void zooNetworks() {
        agrees(ResNet.resnet18(1), 1, 3, 224, 224);
        agrees(anySize(ResNet.resnet18(1)), 2, 3, 97, 131);
        agrees(MobileNet.v2(1), 1, 3, 224, 224);
        agrees(anySize(MobileNet.v1(1, 0.25)), 1, 3, 75, 75);
    }

    @Test
    void layersTheZooLacks() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 5, 7);
        List<Layer<?>> layers = List.of(new Pad(new long[] {0, 0, 1, 2, 0, 0, 3, -1}, 0), new AvgPool2d(PoolSpec.of(2, 3), true),
                new MaxPool2d(PoolSpec.of(3, 3).withStride(2, 2).withCeilMode(true)), new Reshape(new long[] {0, -1}),
                new Flatten(2), new Softmax(1), new Sigmoid(), new Tanh(), new LeakyReLU(0.1), new Clip(-1, 1),
                new Identity(), new GlobalMaxPool(), new GlobalAvgPool());
        for (Layer<?> l : layers) {
            assertArrayEquals(l.forward(x).y().shape(), l.outputShape(x.shape()), l.describe());
        }
        INDArray c = Nd4j.rand(DataType.FLOAT, 2, 4, 5, 7);
        assertArrayEquals(new Concat(1).forward(x, c).y().shape(), new Concat(1).outputShape(x.shape(), c.shape()));
        INDArray b = Nd4j.rand(DataType.FLOAT, 1, 3, 1, 1);
        assertArrayEquals(new Add().forward(x, b).y().shape(), new Add().outputShape(x.shape(), b.shape()));
        assertArrayEquals(new Mul().forward(b, x).y().shape(), new Mul().outputShape(b.shape(), x.shape()));
        assertArrayEquals(new long[] {2, 3}, new Constant(Nd4j.ones(2, 3)).outputShape());
    }

    @Test
    void refusedShapesAreRefusedBeforeAnythingRuns() {
        // Pads of 100000 on a 224 image: 1 x 3 x 200224 x 200224 floats, 448 GiB, planned not allocated.
        assertArrayEquals(new long[] {1, 3, 200224, 200224},
                new Pad(new long[] {0, 0, 100000, 100000, 0, 0, 100000, 100000}, 0).outputShape(new long[] {1, 3, 224, 224}));
        assertThrows(IllegalArgumentException.class, () -> new Concat(1).outputShape(new long[] {1, 2, 3}, new long[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> new Add().outputShape(new long[] {1, 2}, new long[] {1, 3}));
        Graph g = new Graph(List.of(Graph.Input.of("x", 1, 3, 8, 8)),
                List.of(Node.of("conv", new Conv2d(Nd4j.ones(DataType.FLOAT, 4, 5, 3, 3), null, ConvSpec.DEFAULT), "x")),
                List.of("conv"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.shapes(Map.of("x", new long[] {1, 3, 8, 8})));
        assertTrue(e.getMessage().startsWith("node 'conv' (Conv2d 5->4"), e.getMessage());
        assertEquals(2, g.shapes(Map.of("x", new long[] {1, 5, 8, 8})).size());
        // Unfolded columns: N x C x R x S x OH x OW = 1 x 5 x 9 x 6 x 6; none for a 1x1 kernel.
        Conv2d conv = (Conv2d) g.nodes().get(0).layer();
        assertEquals(1620, conv.scratchValues(new long[] {1, 5, 8, 8}));
        assertEquals(0, new Conv2d(Nd4j.ones(DataType.FLOAT, 4, 5, 1, 1), null, ConvSpec.DEFAULT).scratchValues(new long[] {1, 5, 8, 8}));
    }
}
