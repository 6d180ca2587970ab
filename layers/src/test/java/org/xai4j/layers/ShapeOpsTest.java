package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

/** Flatten, Reshape, Concat, Pad and Constant: ONNX shape semantics, values and gradients. */
class ShapeOpsTest {

    private static long[] outShape(Layer<?> layer, long... in) {
        return layer.forward(TestData.uniform(1, -1, 1, in)).y().shape();
    }

    @Test
    void flattenFollowsOnnx() {
        assertArrayEquals(new long[] {2, 60}, outShape(new Flatten(1), 2, 3, 4, 5));
        assertArrayEquals(new long[] {1, 120}, outShape(new Flatten(0), 2, 3, 4, 5));
        assertArrayEquals(new long[] {24, 5}, outShape(new Flatten(-1), 2, 3, 4, 5));
        assertArrayEquals(new long[] {120, 1}, outShape(new Flatten(4), 2, 3, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> outShape(new Flatten(5), 2, 3, 4, 5));
        GradientCheck.check("Flatten(1)", new Flatten(1), TestData.uniform(2, -1, 1, 2, 3, 2, 2));
        GradientCheck.check("Flatten(-2)", new Flatten(-2), TestData.uniform(3, -1, 1, 2, 3, 2));
        INDArray x = TestData.uniform(4, -1, 1, 2, 3, 4);
        assertEquals(x.getDouble(1, 2, 3), new Flatten(1).forward(x).y().getDouble(1, 11), 0, "row-major order");
    }

    @Test
    void reshapeFollowsOnnx() {
        assertArrayEquals(new long[] {2, 12}, outShape(new Reshape(new long[] {0, -1}), 2, 3, 4));
        assertArrayEquals(new long[] {2, 4, 3}, outShape(new Reshape(new long[] {0, 4, -1}), 2, 3, 4));
        assertArrayEquals(new long[] {24}, outShape(new Reshape(new long[] {-1}), 2, 3, 4));
        assertArrayEquals(new long[] {2, 3, 4}, outShape(new Reshape(new long[] {0, 0, -1}), 2, 3, 4, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> outShape(new Reshape(new long[] {5, -1}), 2, 3, 4));
        assertTrue(e.getMessage().contains("cannot reshape [2, 3, 4] to [5, -1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Reshape(new long[] {-1, -1}));
        GradientCheck.check("Reshape[0,-1]", new Reshape(new long[] {0, -1}), TestData.uniform(5, -1, 1, 2, 3, 4));
        GradientCheck.check("Reshape[3,-1,2]", new Reshape(new long[] {3, -1, 2}), TestData.uniform(6, -1, 1, 2, 3, 4));
    }

    @Test
    void concatAlongEveryAxis() {
        for (int axis : new int[] {0, 1, 2, -1}) {
            int a = axis < 0 ? axis + 3 : axis;
            long[] s1 = {2, 3, 4}, s2 = {2, 3, 4}, s3 = {2, 3, 4};
            s1[a] = 1;
            s2[a] = 2;
            s3[a] = 3;
            GradientCheck.check("Concat(" + axis + ")", new Concat(axis),
                    TestData.uniform(7, -1, 1, s1), TestData.uniform(8, -1, 1, s2), TestData.uniform(9, -1, 1, s3));
        }
        INDArray a = TestData.uniform(10, -1, 1, 2, 1, 2);
        INDArray b = TestData.uniform(11, -1, 1, 2, 2, 2);
        Layer.Forward<Concat.Cache> f = new Concat(1).forward(a, b);
        assertArrayEquals(new long[] {2, 3, 2}, f.y().shape());
        assertEquals(b.getDouble(1, 1, 0), f.y().getDouble(1, 2, 0), 0);
        INDArray[] dx = new Concat(1).backward(f.cache(), f.y(), new Need(new boolean[] {false, true}, false)).dx();
        assertNull(dx[0]);
        assertEquals(b, dx[1]);
        var e = assertThrows(IllegalArgumentException.class, () -> new Concat(1).forward(a, TestData.uniform(1, 0, 1, 3, 1, 2)));
        assertTrue(e.getMessage().contains("input 1 has shape [3, 1, 2]"), e.getMessage());
    }

    /** Pad by its definition: y[o] = x[o - begin] where that index is inside x, else value. */
    private static void padMatchesDefinition(long[] pads, double value, long... in) {
        INDArray x = TestData.uniform(12, -1, 1, in);
        INDArray y = new Pad(pads, value).forward(x).y();
        int r = in.length;
        for (int i = 0; i < r; i++) {
            assertEquals(in[i] + pads[i] + pads[i + r], y.size(i));
        }
        long[] o = new long[r];
        for (long flat = 0; flat < y.length(); flat++) {
            long rest = flat;
            boolean inside = true;
            long[] src = new long[r];
            for (int i = r - 1; i >= 0; i--) {
                o[i] = rest % y.size(i);
                rest /= y.size(i);
                src[i] = o[i] - pads[i];
                inside &= src[i] >= 0 && src[i] < in[i];
            }
            assertEquals(inside ? x.getDouble(src) : value, y.getDouble(o), 0);
        }
    }

    @Test
    void padGrowsAndCropsLikeOnnx() {
        padMatchesDefinition(new long[] {0, 0, 1, 2, 0, 0, 2, 1}, 0.5, 2, 3, 3, 4);
        padMatchesDefinition(new long[] {0, 1, -1, 0, 0, -2, 1, 2}, -3, 2, 3, 4, 5);
        GradientCheck.check("Pad NCHW", new Pad(new long[] {0, 0, 1, 2, 0, 0, 2, 1}, 0), TestData.uniform(13, -1, 1, 2, 3, 3, 4));
        GradientCheck.check("Pad with crops", new Pad(new long[] {0, 1, -1, 0, 0, -2, 1, 2}, 1.5), TestData.uniform(14, -1, 1, 2, 3, 4, 5));
        GradientCheck.check("Pad rank 1", new Pad(new long[] {3, 1}, 0), TestData.uniform(15, -1, 1, 5));
        var e = assertThrows(IllegalArgumentException.class, () -> outShape(new Pad(new long[] {1, 1}, 0), 2, 3));
        assertTrue(e.getMessage().contains("needs 4 values"), e.getMessage());
        INDArray f = new Pad(new long[] {1, 1}, 0).forward(TestData.uniform(16, -1, 1, 3).castTo(DataType.FLOAT)).y();
        assertEquals(DataType.FLOAT, f.dataType());
    }

    @Test
    void constantOutputsItsValueAndIsAParameter() {
        INDArray v = TestData.uniform(17, -1, 1, 2, 3);
        Constant c = new Constant(v);
        assertSame(v, c.forward().y());
        assertEquals(Map.of("value", v), c.parameters());
        GradientCheck.check("Constant", new Constant(TestData.uniform(18, -1, 1, 3, 2)));
        assertTrue(c.backward(null, v, new Need(new boolean[0], false)).dParameters().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> c.forward(v));
    }
}
