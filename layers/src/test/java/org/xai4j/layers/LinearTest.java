package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

class LinearTest {

    @Test
    void forwardIsXTimesWTransposedPlusBias() {
        INDArray x = TestData.uniform(1, -1, 1, 3, 5);
        INDArray w = TestData.uniform(2, -1, 1, 4, 5);
        INDArray b = TestData.uniform(3, -1, 1, 4);
        INDArray y = new Linear(w, b).forward(x).y();
        for (int n = 0; n < 3; n++) {
            for (int k = 0; k < 4; k++) {
                double s = b.getDouble(k);
                for (int c = 0; c < 5; c++) {
                    s += x.getDouble(n, c) * w.getDouble(k, c);
                }
                // 1e-12: a 5-term dot product in double, summed in another order.
                assertEquals(s, y.getDouble(n, k), 1e-12);
            }
        }
    }

    @Test
    void gradientsForInputWeightAndBias() {
        GradientCheck.check("Linear N=2", new Linear(TestData.uniform(4, -1, 1, 6, 7), TestData.uniform(5, -1, 1, 6)),
                TestData.uniform(6, -1, 1, 2, 7));
        GradientCheck.check("Linear N=1 no bias", new Linear(TestData.uniform(7, -1, 1, 3, 10), null),
                TestData.uniform(8, -1, 1, 1, 10));
    }

    @Test
    void computesOnlyWhatIsNeeded() {
        Linear linear = new Linear(TestData.uniform(9, -1, 1, 3, 4), TestData.uniform(10, -1, 1, 3));
        Layer.Forward<Linear.Cache> f = linear.forward(TestData.uniform(11, -1, 1, 2, 4));
        INDArray dy = TestData.uniform(12, -1, 1, 2, 3);
        Layer.Backward inputOnly = linear.backward(f.cache(), dy, Need.INPUT);
        assertTrue(inputOnly.dParameters().isEmpty());
        Layer.Backward paramsOnly = linear.backward(f.cache(), dy, new Need(new boolean[] {false}, true));
        assertNull(paramsOnly.dx()[0]);
        assertEquals(Map.of("weight", 1, "bias", 1).keySet(), paramsOnly.dParameters().keySet());
    }

    @Test
    void sparseSeedGradientSumsRowsOfTheWeight() {
        // An explanation's seed (one class per row, or a few) takes SparseSeedLinear's row sums; a
        // dense dy the GEMM, as the Linear always does. Both forms against dx[n][c] = sum_k dy[n][k]
        // W[k][c] in double: 1e-12 in double, 1e-5 in float (a sum of at most 3 products of values
        // in [-1, 1] for the seeds, 50 for the dense dy: 50 * 2^-24 * 50 = 1.5e-4 would be the
        // worst case, measured below 1e-5).
        INDArray wT = TestData.uniform(20, -1, 1, 40, 50);
        for (INDArray w : new INDArray[] {wT.transpose().dup(), wT.transpose()}) { // contiguous and strided
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                Linear linear = new Linear(w.castTo(type), TestData.uniform(23, -1, 1, 50).castTo(type));
                INDArray x = TestData.uniform(21, -1, 1, 3, 40).castTo(type);
                INDArray oneHot = org.nd4j.linalg.factory.Nd4j.zeros(type, 3, 50);
                oneHot.putScalar(0, 7, 1.0).putScalar(1, 49, -2.0).putScalar(2, 0, 0.5).putScalar(2, 3, 1.5);
                INDArray dense = TestData.uniform(22, -1, 1, 3, 50).castTo(type);
                for (Layer<Linear.Cache> layer : List.of(linear, new SparseSeedLinear(linear))) {
                    Layer.Forward<Linear.Cache> f = layer.forward(x);
                    assertEquals(linear.forward(x).y(), f.y(), "forward is the Linear's");
                    for (INDArray dy : new INDArray[] {oneHot, dense}) {
                        INDArray dx = layer.backward(f.cache(), dy, Need.INPUT).dx()[0];
                        assertEquals(type, dx.dataType());
                        for (int n = 0; n < 3; n++) {
                            for (int c = 0; c < 40; c++) {
                                double s = 0;
                                for (int k = 0; k < 50; k++) {
                                    s += dy.getDouble(n, k) * w.getDouble(k, c);
                                }
                                assertEquals(s, dx.getDouble(n, c), type == DataType.DOUBLE ? 1e-12 : 1e-5);
                            }
                        }
                        // Parameter gradients are the Linear's own, with or without dx.
                        Layer.Backward all = layer.backward(f.cache(), dy, Need.all(1, true));
                        Layer.Backward ref = linear.backward(f.cache(), dy, Need.all(1, true));
                        assertEquals(ref.dParameters(), all.dParameters());
                        assertTrue(all.dx()[0].equalsWithEps(ref.dx()[0], type == DataType.DOUBLE ? 1e-12 : 1e-5));
                    }
                }
            }
        }
    }

    @Test
    void sparseSeedLinearIsItsLinearToEveryReader() {
        Linear linear = new Linear(TestData.uniform(24, -1, 1, 3, 4), null);
        SparseSeedLinear fast = new SparseSeedLinear(linear);
        assertSame(linear, fast.reference());
        assertSame(linear.weight(), fast.parameters().get("weight"), "weights shared, not copied");
        assertEquals(linear.describe(), fast.describe());
        GradientCheck.check("SparseSeedLinear", fast, TestData.uniform(25, -1, 1, 2, 4));
    }

    @Test
    void floatInFloatOutAndShapeErrors() {
        Linear linear = new Linear(TestData.uniform(13, -1, 1, 3, 4).castTo(DataType.FLOAT), TestData.uniform(14, -1, 1, 3).castTo(DataType.FLOAT));
        Layer.Forward<Linear.Cache> f = linear.forward(TestData.uniform(15, -1, 1, 2, 4).castTo(DataType.FLOAT));
        assertEquals(DataType.FLOAT, f.y().dataType());
        assertEquals(DataType.FLOAT, linear.backward(f.cache(), f.y(), Need.all(1, true)).dx()[0].dataType());
        var e = assertThrows(IllegalArgumentException.class, () -> linear.forward(TestData.uniform(16, -1, 1, 2, 5).castTo(DataType.FLOAT)));
        assertTrue(e.getMessage().contains("expects input [N, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Linear(TestData.uniform(1, 0, 1, 3, 4), TestData.uniform(1, 0, 1, 4)));
    }
}
