package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

/** Add and Mul with NumPy broadcasting, and the shape rules behind them. */
class BroadcastOpsTest {

    @Test
    void broadcastShapeRules() {
        assertArrayEquals(new long[] {2, 3, 4}, Broadcast.shape(new long[] {1, 3, 1}, new long[] {2, 1, 4}));
        assertArrayEquals(new long[] {2, 3, 4, 5}, Broadcast.shape(new long[] {2, 3, 4, 5}, new long[] {5}, new long[] {3, 1, 1}));
        assertArrayEquals(new long[] {2, 3}, Broadcast.shape(new long[] {2, 3}, new long[0]));
        var e = assertThrows(IllegalArgumentException.class, () -> Broadcast.shape(new long[] {2, 3}, new long[] {4}));
        assertTrue(e.getMessage().contains("[2, 3], [4]"), e.getMessage());
    }

    @Test
    void addGradientsWithAndWithoutBroadcasting() {
        GradientCheck.check("Add same shape", new Add(), TestData.uniform(1, -1, 1, 2, 3, 4), TestData.uniform(2, -1, 1, 2, 3, 4));
        GradientCheck.check("Add 3 inputs, rank and size-1 broadcasting", new Add(),
                TestData.uniform(3, -1, 1, 2, 3, 4, 5), TestData.uniform(4, -1, 1, 3, 1, 1), TestData.uniform(5, -1, 1, 5));
        GradientCheck.check("Add both ways [1,3,1]+[2,1,4]", new Add(), TestData.uniform(6, -1, 1, 1, 3, 1), TestData.uniform(7, -1, 1, 2, 1, 4));
        GradientCheck.check("Add small first [3,1]+[2,3,4]+[2,3,4]", new Add(),
                TestData.uniform(8, -1, 1, 3, 1), TestData.uniform(9, -1, 1, 2, 3, 4), TestData.uniform(10, -1, 1, 2, 3, 4));
    }

    @Test
    void addValuesAndGradientReductionByHand() {
        INDArray a = TestData.uniform(11, -1, 1, 2, 3, 4);
        INDArray b = TestData.uniform(12, -1, 1, 3, 1);
        INDArray c = TestData.uniform(13, -1, 1, 4);
        Layer.Forward<Add.Cache> f = new Add().forward(a, b, c);
        assertEquals(a.getDouble(1, 2, 3) + b.getDouble(2, 0) + c.getDouble(3), f.y().getDouble(1, 2, 3), 1e-15);
        INDArray dy = Nd4j.ones(DataType.DOUBLE, 2, 3, 4);
        INDArray[] dx = new Add().backward(f.cache(), dy, Need.all(3, false)).dx();
        // Each b entry was used N * W = 8 times, each c entry N * C = 6 times.
        assertArrayEquals(new double[] {8, 8, 8}, dx[1].reshape(3).toDoubleVector());
        assertArrayEquals(new long[] {3, 1}, dx[1].shape());
        assertArrayEquals(new double[] {6, 6, 6, 6}, dx[2].toDoubleVector());
        assertSame(dy, dx[0], "no broadcasting: dy itself, the engine sums fan-out");
        assertNull(new Add().backward(f.cache(), dy, new Need(new boolean[] {true, false, true}, false)).dx()[1]);
    }

    @Test
    void mulGradientsWithAndWithoutBroadcasting() {
        GradientCheck.check("Mul same shape", new Mul(), TestData.uniform(14, -2, 2, 2, 3, 4), TestData.uniform(15, -2, 2, 2, 3, 4));
        GradientCheck.check("Mul channel scale [2,3,4,4]*[1,3,1,1]", new Mul(),
                TestData.uniform(16, -2, 2, 2, 3, 4, 4), TestData.uniform(17, -2, 2, 1, 3, 1, 1));
        GradientCheck.check("Mul scale first [3,1,1]*[2,3,4,4]", new Mul(),
                TestData.uniform(18, -2, 2, 3, 1, 1), TestData.uniform(19, -2, 2, 2, 3, 4, 4));
        GradientCheck.check("Mul both ways [2,1,4]*[1,3,1]", new Mul(), TestData.uniform(20, -2, 2, 2, 1, 4), TestData.uniform(21, -2, 2, 1, 3, 1));
    }

    @Test
    void mulComputesOnlyTheNeededInputAndKeepsFloat() {
        INDArray a = TestData.uniform(22, -1, 1, 2, 3).castTo(DataType.FLOAT);
        INDArray b = TestData.uniform(23, -1, 1, 3).castTo(DataType.FLOAT);
        Layer.Forward<Mul.Cache> f = new Mul().forward(a, b);
        assertEquals(DataType.FLOAT, f.y().dataType());
        INDArray[] dx = new Mul().backward(f.cache(), f.y(), new Need(new boolean[] {false, true}, false)).dx();
        assertNull(dx[0]);
        assertEquals(DataType.FLOAT, dx[1].dataType());
        assertArrayEquals(new long[] {3}, dx[1].shape());
        assertThrows(IllegalArgumentException.class, () -> new Mul().forward(a, TestData.uniform(1, 0, 1, 4)));
    }
}
