package org.xai4j.layers;

import org.xai4j.layers.loops.Loops;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

class PoolingTest {

    record Case(String name, long[] x, PoolSpec spec, long OH, long OW) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("2x2", new long[] {1, 2, 6, 6}, PoolSpec.of(2), 3, 3),
                new Case("3x3 stride 2 pad 1, N=2 (ResNet stem)", new long[] {2, 2, 8, 7}, PoolSpec.of(3).withStride(2).withPadding(1), 4, 4),
                new Case("3x3 stride 2 ceil mode", new long[] {1, 2, 8, 8}, PoolSpec.of(3).withStride(2).withCeilMode(true), 4, 4),
                new Case("2x2 ceil mode odd size", new long[] {1, 2, 5, 7}, PoolSpec.of(2).withCeilMode(true), 3, 4),
                // ceil(5/2) + 1 = 4 windows, but the 4th would start in the end padding: PyTorch drops it.
                new Case("2x2 stride 2 pad 1 ceil mode", new long[] {1, 1, 5, 5}, PoolSpec.of(2).withPadding(1).withCeilMode(true), 3, 3),
                new Case("asymmetric pads [0,1,2,0]", new long[] {1, 2, 5, 6}, PoolSpec.of(3).withStride(1).withPadding(0, 1, 2, 0), 5, 5),
                new Case("SAME_UPPER 2x2 stride 1", new long[] {1, 2, 5, 5}, PoolSpec.of(2).withStride(1).withPadding(Padding.SAME_UPPER), 5, 5),
                new Case("SAME_LOWER 3x3 stride 2", new long[] {1, 2, 6, 5}, PoolSpec.of(3).withStride(2).withPadding(Padding.SAME_LOWER), 3, 3),
                new Case("dilation 2", new long[] {1, 2, 7, 7}, PoolSpec.of(2).withStride(1).withDilation(2, 2), 5, 5),
                new Case("rectangular 3x2 stride 2x1", new long[] {1, 2, 7, 5}, PoolSpec.of(3, 2).withStride(2, 1), 3, 4));
    }

    /** Distinct values 0.01 apart in random order: no ties, and h = 1e-6 never reorders a window. */
    static INDArray distinct(long... shape) {
        int n = (int) Nd4j.create(DataType.DOUBLE, shape).length();
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v.add((i - n / 2) * 0.01);
        }
        Collections.shuffle(v, new Random(n));
        return Nd4j.create(v.stream().mapToDouble(Double::doubleValue).toArray(), shape, DataType.DOUBLE);
    }

    private static int[] pads(PoolSpec s, long[] x) {
        PoolGeometry g = PoolGeometry.of(s, x);
        return new int[] {g.top(), g.left(), g.bottom(), g.right()};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void maxPoolEqualsDefinitionAndGradientCheck(Case c) {
        INDArray x = distinct(c.x());
        PoolSpec s = c.spec();
        INDArray ref = Loops.maxPool(x, s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), pads(s, c.x()),
                s.dilationH(), s.dilationW(), c.OH(), c.OW());
        // The reference loop and the ND4J kernel (symmetric pads without ceil overhang; the loop elsewhere).
        for (Layer<MaxPool2d.Cache> pool : forms(s)) {
            String what = c.name() + " " + pool.getClass().getSimpleName();
            INDArray y = pool.forward(x).y();
            assertArrayEquals(ref.shape(), y.shape(), what);
            assertEquals(ref, y, what); // a max is exact
            GradientCheck.check("MaxPool2d " + what, pool, x);
            INDArray yf = pool.forward(x.castTo(DataType.FLOAT)).y();
            assertEquals(DataType.FLOAT, yf.dataType());
            assertEquals(ref.castTo(DataType.FLOAT), yf);
        }
    }

    /** The reference max pooling and its ND4J-kernel form. */
    private static List<Layer<MaxPool2d.Cache>> forms(PoolSpec s) {
        MaxPool2d pool = new MaxPool2d(s);
        return List.of(pool, new Nd4jMaxPool2d(pool));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void avgPoolEqualsDefinitionAndGradientCheck(Case c) {
        if (c.spec().dilationH() > 1) {
            return; // the reference (like PyTorch's) has no dilation for averages
        }
        INDArray x = distinct(c.x());
        PoolSpec s = c.spec();
        for (boolean include : new boolean[] {true, false}) {
            INDArray y = new AvgPool2d(s, include).forward(x).y();
            INDArray ref = Loops.avgPool(x, s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), pads(s, c.x()), c.OH(), c.OW(), include);
            assertArrayEquals(ref.shape(), y.shape(), c.name());
            // At most 9 additions and one division of values below 1 in double: 1e-15 is ~10 ulps.
            assertTrue(y.sub(ref).amaxNumber().doubleValue() < 1e-15, c + " include pad " + include);
            GradientCheck.check("AvgPool2d " + c + " include pad " + include, new AvgPool2d(s, include), x);
            assertEquals(DataType.FLOAT, new AvgPool2d(s, include).forward(x.castTo(DataType.FLOAT)).y().dataType());
        }
    }

    @Test
    void maxPoolTiesSendTheGradientToTheFirstMaximumInScanOrder() {
        // Two overlapping 2x2 windows (stride 1) over a plane of equal values: each window's first tap wins.
        INDArray x = Nd4j.create(new double[] {5, 5, 5, 1, 5, 5}, new long[] {1, 1, 2, 3}, DataType.DOUBLE);
        for (Layer<MaxPool2d.Cache> pool : forms(PoolSpec.of(2).withStride(1))) {
            var f = pool.forward(x);
            assertEquals(Nd4j.create(new double[] {5, 5}, new long[] {1, 1, 1, 2}, DataType.DOUBLE), f.y());
            INDArray dx = pool.backward(f.cache(), Nd4j.create(new double[] {10, 100}, new long[] {1, 1, 1, 2}, DataType.DOUBLE), Need.INPUT).dx()[0];
            assertEquals(Nd4j.create(new double[] {10, 100, 0, 0, 0, 0}, new long[] {1, 1, 2, 3}, DataType.DOUBLE), dx);
        }
    }

    @Test
    void maxPoolBackwardSurvivesAHookThatChangedTheOutput() {
        INDArray x = Nd4j.create(new double[] {1, 3, 2, 0}, new long[] {1, 1, 2, 2}, DataType.DOUBLE);
        MaxPool2d pool = new MaxPool2d(PoolSpec.of(2));
        var f = pool.forward(x);
        f.y().muli(10); // what an in-place forward hook could do; the winner must still be x = 3
        INDArray dx = pool.backward(f.cache(), Nd4j.ones(DataType.DOUBLE, 1, 1, 1, 1), Need.INPUT).dx()[0];
        assertEquals(Nd4j.create(new double[] {0, 1, 0, 0}, new long[] {1, 1, 2, 2}, DataType.DOUBLE), dx);
    }

    @Test
    void maxPoolPaddingNeverWins() {
        INDArray x = Nd4j.create(new double[] {-3, -2, -4, -1}, new long[] {1, 1, 2, 2}, DataType.FLOAT);
        for (Layer<MaxPool2d.Cache> pool : forms(PoolSpec.of(2).withStride(1).withPadding(1))) {
            var f = pool.forward(x);
            // 3x3 outputs; the corners see one real pixel each, all negative: padding (-inf) must not give 0.
            assertEquals(Nd4j.create(new double[] {-3, -2, -2, -3, -1, -1, -4, -1, -1}, new long[] {1, 1, 3, 3}, DataType.FLOAT), f.y());
            INDArray dx = pool.backward(f.cache(), Nd4j.ones(DataType.FLOAT, 1, 1, 3, 3), Need.INPUT).dx()[0];
            assertEquals(Nd4j.create(new double[] {2, 2, 1, 4}, new long[] {1, 1, 2, 2}, DataType.FLOAT), dx);
        }
    }

    @Test
    void avgPoolDivisorsWithAndWithoutPadding() {
        INDArray x = Nd4j.ones(DataType.DOUBLE, 1, 1, 2, 2);
        PoolSpec s = PoolSpec.of(2).withStride(1).withPadding(1);
        // With padding counted the corner window sums 1 pixel over 4 taps; without, over 1 tap.
        assertEquals(0.25, new AvgPool2d(s, true).forward(x).y().getDouble(0, 0, 0, 0), 0);
        assertEquals(1.0, new AvgPool2d(s, false).forward(x).y().getDouble(0, 0, 0, 0), 0);
    }

    @Test
    void globalPools() {
        INDArray x = distinct(2, 3, 4, 5);
        INDArray avg = new GlobalAvgPool().forward(x).y();
        INDArray max = new GlobalMaxPool().forward(x).y();
        assertArrayEquals(new long[] {2, 3, 1, 1}, avg.shape());
        assertArrayEquals(new long[] {2, 3, 1, 1}, max.shape());
        // Mean of 20 values below 1 in double: 1e-15 is a few ulps.
        assertTrue(avg.sub(x.mean(2, 3).reshape(2, 3, 1, 1)).amaxNumber().doubleValue() < 1e-15);
        assertEquals(x.max(2, 3).reshape(2, 3, 1, 1), max);
        GradientCheck.check("GlobalAvgPool", new GlobalAvgPool(), x);
        GradientCheck.check("GlobalMaxPool", new GlobalMaxPool(), x);
        assertEquals(DataType.FLOAT, new GlobalAvgPool().forward(x.castTo(DataType.FLOAT)).y().dataType());
        assertEquals(DataType.FLOAT, new GlobalMaxPool().forward(x.castTo(DataType.FLOAT)).y().dataType());

        // float32, and views: a batch cut from a larger one (contiguous at an offset) and an NHWC
        // array permuted to NCHW (strided: each image is copied first). Against ND4J's mean and
        // broadcast: a mean of 20 floats in double, rounded once, is within 1 ulp of ND4J's (1e-7).
        INDArray big = distinct(4, 3, 4, 5).castTo(DataType.FLOAT);
        INDArray cut = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray permuted = distinct(2, 4, 5, 3).castTo(DataType.FLOAT).permute(0, 3, 1, 2);
        for (INDArray v : List.of(cut, permuted)) {
            var f = new GlobalAvgPool().forward(v);
            assertTrue(f.y().equalsWithEps(v.mean(2, 3).reshape(2, 3, 1, 1), 1e-7), v.shapeInfoToString());
            INDArray dy = distinct(2, 3, 1, 1).castTo(DataType.FLOAT);
            INDArray dx = new GlobalAvgPool().backward(f.cache(), dy, Need.INPUT).dx()[0];
            assertArrayEquals(v.shape(), dx.shape());
            for (int i = 0; i < dx.length(); i++) {
                long[] at = org.nd4j.linalg.api.shape.Shape.ind2subC(dx.shape(), i);
                assertEquals(dy.getDouble(at[0], at[1], 0, 0) / 20, dx.getDouble(at), 1e-7);
            }
        }
        INDArray emptyPlanes = new GlobalAvgPool().forward(Nd4j.create(DataType.FLOAT, 2, 3, 0, 5)).y();
        assertTrue(Double.isNaN(emptyPlanes.getDouble(1, 2, 0, 0)), "the mean of an empty plane is NaN");
        var f4 = new GlobalAvgPool().forward(x);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new GlobalAvgPool().backward(f4.cache(), Nd4j.ones(DataType.DOUBLE, 2, 4, 1, 1), Need.INPUT));

        INDArray ties = Nd4j.ones(DataType.DOUBLE, 1, 1, 2, 2);
        var f = new GlobalMaxPool().forward(ties);
        INDArray dx = new GlobalMaxPool().backward(f.cache(), Nd4j.ones(DataType.DOUBLE, 1, 1, 1, 1).muli(7), Need.INPUT).dx()[0];
        assertEquals(Nd4j.create(new double[] {7, 0, 0, 0}, new long[] {1, 1, 2, 2}, DataType.DOUBLE), dx);
    }
}
