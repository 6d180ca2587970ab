package org.xai4j.explain.inside;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;

/** The projection of one unit against its closed form, in double precision. */
class DeconvnetProjectionTest {

    /**
     * conv 1x1 3->2 "c1" -> ReLU -> max pool 2x2 stride 2 -> conv 1x1 2->1 "c2" (weights 1, -2) -> ReLU "r2".
     * Going down from a unit of r2: the signal s passes r2, c2 makes (s, -2 s), the deconvnet's
     * ReLU keeps (s, 0) whatever c1's forward output was, the pool sends it to its switch, c1
     * transposed gives s * W1[0, :] at that one pixel.
     */
    @Test
    void oneUnitThroughRectifierPoolingAndTransposedFilters() {
        INDArray w1 = Nd4j.create(new double[] {0.5, -1, 2, 1, 1, 1}, new long[] {2, 3, 1, 1});
        INDArray w2 = Nd4j.create(new double[] {1, -2}, new long[] {1, 2, 1, 1});
        Graph graph = new Graph(List.of(Graph.Input.of("input", -1, 3, 4, 4)), List.of(
                Node.of("c1", new Conv2d(w1, Nd4j.zeros(DataType.DOUBLE, 2), ConvSpec.DEFAULT), "input"),
                Node.of("r1", new ReLU(), "c1"),
                Node.of("pool", new MaxPool2d(PoolSpec.of(2, 2)), "r1"),
                Node.of("c2", new Conv2d(w2, Nd4j.zeros(DataType.DOUBLE, 1), ConvSpec.DEFAULT), "pool"),
                Node.of("r2", new ReLU(), "c2")), List.of("r2"));
        // Channel 0 of c1 is 0.5 R - G + 2 B; put one strong pixel at (3, 2) and make channel 1 negative there.
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 3, 4, 4);
        x.putScalar(new long[] {0, 2, 3, 2}, 1.0);
        x.putScalar(new long[] {0, 0, 3, 2}, -3.0);
        x.putScalar(new long[] {0, 1, 0, 0}, -0.25);
        // c1 at (3,2): ch0 = -1.5 + 2 = 0.5, ch1 = -3 + 1 = -2 -> r1 (0.5, 0); at (0,0): ch0 0.25, ch1 -0.25.
        // pool: (1,1) -> (0.5, 0) from switch (3,2); (0,0) -> (0.25, 0). r2 = max(0.5, 0) at (1,1): the maximum.
        DeconvnetProjection.Result r = DeconvnetProjection.of(graph, x, "r2", 0);
        assertEquals(1, r.y()[0]);
        assertEquals(1, r.x()[0]);
        assertEquals(0.5, r.activation()[0], 1e-15);
        INDArray p = r.pixels();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    double expected = i == 3 && j == 2 ? 0.5 * w1.getDouble(0, c, 0, 0) : 0;
                    // Exact: one product per value, no sums of more than one non-zero term.
                    assertEquals(expected, p.getDouble(0, c, i, j), 1e-15, "c " + c + " at " + i + "," + j);
                }
            }
        }
    }

    /** Each row is seeded at its own maximum and does not see the other's. */
    @Test
    void rowsAreProjectedApart() {
        INDArray w = Nd4j.create(new double[] {1, 2, 3}, new long[] {1, 3, 1, 1});
        Graph graph = new Graph(List.of(Graph.Input.of("input", -1, 3, 3, 3)), List.of(
                Node.of("c", new Conv2d(w, Nd4j.zeros(DataType.DOUBLE, 1), ConvSpec.DEFAULT), "input"),
                Node.of("r", new ReLU(), "c")), List.of("r"));
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 2, 3, 3, 3);
        x.putScalar(new long[] {0, 0, 0, 1}, 1.0);
        x.putScalar(new long[] {1, 2, 2, 0}, 2.0);
        DeconvnetProjection.Result r = DeconvnetProjection.of(graph, x, "r", 0);
        assertEquals(0, r.y()[0]);
        assertEquals(1, r.x()[0]);
        assertEquals(2, r.y()[1]);
        assertEquals(0, r.x()[1]);
        assertEquals(6.0, r.activation()[1], 1e-15);
        assertEquals(1.0 * 3, r.pixels().getDouble(0, 2, 0, 1), 1e-15);
        assertEquals(6.0 * 1, r.pixels().getDouble(1, 0, 2, 0), 1e-15);
        assertEquals(0.0, r.pixels().getDouble(1, 0, 0, 1), 0.0);
        assertEquals(0.0, r.pixels().getDouble(0, 0, 2, 0), 0.0);
    }
}
