package org.xai4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A NaN or infinite input is refused before a pass, and a non-finite result of finite inputs is an error, not an answer. */
class FiniteTest {
    private static Graph scale(double w) {
        return new Graph(List.of(Graph.Input.of("x", 1, 4)),
                List.of(Node.of("y", new ToyLayers.Scale(Nd4j.scalar(DataType.FLOAT, (float) w)), "x")), List.of("y"));
    }

    @Test
    void countsNaNAndInfinity() {
        INDArray x = Nd4j.createFromArray(1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NaN);
        assertEquals(3, Finite.count(x));
        assertEquals("2 NaN and 1 infinite of 4 values", Finite.describe(x));
        assertEquals(null, Finite.describe(Nd4j.createFromArray(1f, -3e38f)));
        assertEquals(0, Finite.count(Nd4j.createFromArray(1L, 2L)));
    }

    /** The buffer loop (dense c-order arrays) counts what ND4J's MatchCondition counts, on views and doubles too. */
    @Test
    void theFastCountAgreesWithNd4jOnViewsAndDoubles() {
        INDArray m = Nd4j.createFromArray(new float[][] {{1, Float.NaN, 3}, {Float.NEGATIVE_INFINITY, 5, 6}, {7, Float.NaN, Float.NaN}});
        INDArray lastRows = m.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray column = m.getColumn(1); // strided: ND4J's path
        INDArray fOrder = m.dup('f');
        INDArray doubles = m.castTo(DataType.DOUBLE);
        for (INDArray a : List.of(m, lastRows, column, fOrder, doubles)) {
            long nd4j = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition(a,
                    org.nd4j.linalg.indexing.conditions.Conditions.notFinite())).getLong(0);
            assertEquals(nd4j, Finite.count(a), a.toString());
        }
        assertEquals(3, Finite.count(lastRows));
    }

    /**
     * The float count reads its buffer in chunks of 8192: values on both sides of a chunk's edge,
     * in a view that starts mid-buffer, and the finite values nearest the edge of the exponent
     * (the largest float, the smallest subnormal, negative zero) against NaNs of any payload.
     */
    @Test
    void theChunkedFloatCountSeesEveryValue() {
        int n = 3 * 8192 + 5;
        float[] v = new float[n];
        java.util.Arrays.fill(v, 0.5f);
        v[1] = Float.MAX_VALUE;
        v[2] = -Float.MAX_VALUE;
        v[3] = Float.MIN_VALUE;
        v[4] = -0f;
        int[] bad = {0, 8191, 8192, 16383, 16384, n - 1};
        v[bad[0]] = Float.NaN;
        v[bad[1]] = Float.POSITIVE_INFINITY;
        v[bad[2]] = Float.NEGATIVE_INFINITY;
        v[bad[3]] = Float.intBitsToFloat(0xffc00001); // a negative NaN with a payload
        v[bad[4]] = Float.intBitsToFloat(0x7f800001); // a signalling NaN
        v[bad[5]] = Float.NaN;
        INDArray x = Nd4j.createFromArray(v);
        assertEquals(bad.length, Finite.count(x));
        INDArray tail = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(8191, n));
        assertEquals(bad.length - 1, Finite.count(tail), "a view from the first chunk's last value on");
        assertEquals(0, Finite.count(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 8191))));
    }

    @Test
    void nonFiniteInputsAreRefusedBeforeThePass() {
        INDArray x = Nd4j.createFromArray(new float[][] {{1, Float.NaN, 2, 3}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scale(2).predict(x));
        assertTrue(e.getMessage().contains("input 'x' holds 1 NaN of 4 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> scale(2).forward(x));
    }

    @Test
    void anOverflowInsideTheModelIsNoAnswer() {
        // 3e38 * 10 overflows float32 to infinity: finite input, finite weight, infinite output.
        INDArray x = Nd4j.createFromArray(new float[][] {{1, 3e38f, 2, 3}});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> scale(10).run(Map.of("x", x), List.of("y")));
        assertTrue(e.getMessage().contains("'y' holds 1 infinite of 4 values"), e.getMessage());
        try (Tape t = scale(10).forward(x)) {
            IllegalStateException g = assertThrows(IllegalStateException.class,
                    () -> t.backward("y", Nd4j.ones(DataType.FLOAT, 1, 4).muli(1e38f), List.of("x")));
            assertTrue(g.getMessage().contains("gradient at 'x'"), g.getMessage());
        }
        assertEquals(20f, scale(10).predict(Nd4j.createFromArray(new float[][] {{1, 2, 3, 4}})).getFloat(1));
    }
}
