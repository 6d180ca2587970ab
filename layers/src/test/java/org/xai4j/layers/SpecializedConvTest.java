package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Each faster convolution (PointwiseConv2d, DepthwiseConv2d, GroupedConv2d) against the
 * reference Conv2d it replaces, on every case of {@link Conv2dTest} that has one: forward, dx
 * alone, and dx, dW, db together, in float64 and float32, with a dense and a one-hot seed.
 * (Conv2dTest holds both forms to the plain loops; this holds them to each other, parameter
 * gradients included, and checks that they read the same weights and describe the same layer.)
 */
class SpecializedConvTest {

    static Stream<Arguments> cases() {
        return Conv2dTest.cases().filter(c -> !(Specialization.of(conv(c, DataType.DOUBLE)) instanceof Conv2d))
                .flatMap(c -> Stream.of(Arguments.of(c, DataType.DOUBLE), Arguments.of(c, DataType.FLOAT)));
    }

    private static Conv2d conv(Conv2dTest.Case c, DataType type) {
        Nd4j.getRandom().setSeed(31);
        INDArray w = Nd4j.rand(DataType.DOUBLE, c.w()).subi(0.5).castTo(type);
        INDArray b = c.bias() ? Nd4j.rand(DataType.DOUBLE, c.w()[0]).subi(0.5).castTo(type) : null;
        return new Conv2d(w, b, c.spec());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void specializedEqualsReference(Conv2dTest.Case c, DataType type) {
        Conv2d ref = conv(c, type);
        Layer<Conv2d.Cache> fast = (Layer<Conv2d.Cache>) Specialization.of(ref);
        assertSame(ref, ((Specialized<?>) fast).reference());
        assertSame(ref.weight(), fast.parameters().get("weight"), "weights shared, not copied");
        assertEquals(ref.describe(), fast.describe(), "xai4j layers shows the model, not the kernel");
        assertArrayEquals(ref.outputShape(c.x()), fast.outputShape(c.x()));

        Nd4j.getRandom().setSeed(32);
        INDArray x = Nd4j.rand(DataType.DOUBLE, c.x()).subi(0.5).muli(2).castTo(type);
        Layer.Forward<Conv2d.Cache> fr = ref.forward(x);
        Layer.Forward<Conv2d.Cache> ff = fast.forward(x);
        long K = c.w()[0], Cg = c.w()[1], RS = c.w()[2] * c.w()[3];
        close(c, type, "y", ff.y(), fr.y(), Cg * RS + 1);

        INDArray dense = Nd4j.rand(DataType.DOUBLE, fr.y().shape()).subi(0.5).castTo(type);
        INDArray oneHot = Nd4j.zeros(type, fr.y().shape());
        oneHot.putScalar(oneHot.length() / 2, 0.5);
        long pixels = fr.y().size(0) * fr.y().size(2) * fr.y().size(3);
        for (INDArray dy : new INDArray[] {dense, oneHot}) {
            String seed = dy == dense ? "dense dy, " : "one-hot dy, ";
            close(c, type, seed + "dx alone", fast.backward(ff.cache(), dy, Need.INPUT).dx()[0],
                    ref.backward(fr.cache(), dy, Need.INPUT).dx()[0], K * RS);
            Layer.Backward all = fast.backward(ff.cache(), dy, Need.all(1, true));
            Layer.Backward allRef = ref.backward(fr.cache(), dy, Need.all(1, true));
            close(c, type, seed + "dx", all.dx()[0], allRef.dx()[0], K * RS);
            assertEquals(allRef.dParameters().keySet(), all.dParameters().keySet());
            for (Map.Entry<String, INDArray> e : allRef.dParameters().entrySet()) {
                close(c, type, seed + "d" + e.getKey(), all.dParameters().get(e.getKey()), e.getValue(), pixels);
            }
        }
    }

    /**
     * A gradient that is a view, as a Pad's backward hands it on (a crop of its own padded dy), at
     * batch 1, where ND4J 1.0.0-M2.1 once returned an array without data for the second group's
     * channels of it: the grouped form's dx equals the reference's on the same values made dense.
     */
    @org.junit.jupiter.api.Test
    void aViewGradientAtBatchOne() {
        Nd4j.getRandom().setSeed(33);
        Conv2d ref = new Conv2d(Nd4j.rand(DataType.FLOAT, 34, 4, 5, 5).subi(0.5f), null,
                ConvSpec.DEFAULT.withGroups(2).withDilation(2).withPadding(2, 2, 1, 0));
        @SuppressWarnings("unchecked")
        Layer<Conv2d.Cache> fast = (Layer<Conv2d.Cache>) Specialization.of(ref);
        assertTrue(fast instanceof GroupedConv2d, fast.getClass().getSimpleName());
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 8, 7, 21).subi(0.5f);
        INDArray padded = Nd4j.rand(DataType.FLOAT, 1, 34, 5, 17).subi(0.5f);
        INDArray dy = padded.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 4), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 16));
        assertTrue(dy.isView());
        INDArray dx = fast.backward(fast.forward(x).cache(), dy, Need.INPUT).dx()[0];
        INDArray expected = ref.backward(ref.forward(x).cache(), dy.dup('c'), Need.INPUT).dx()[0];
        assertArrayEquals(expected.shape(), dx.shape());
        assertTrue(expected.equalsWithEps(dx, 1e-5), "grouped dx of a view gradient");
    }

    /**
     * Both forms sum the same n products (or fewer: the block-diagonal reference adds exact
     * zeros), each at most 0.5 in magnitude (|x| <= 1, |W|, |b|, |dy| <= 0.5), so each is within
     * gamma_n * 0.5 n of the exact sum (Higham) and they are within {@code n^2 u} of each other,
     * u = 2^-24 in float32 and 2^-53 in float64. That is 2e-10 to 1e-7 in float64 (bias and weight
     * gradients over up to 1,680 pixels) and 1e-3 to 0.17 in float32 for the weight gradients
     * (which are sums of that size, ~10 in magnitude), far below what a wrong index, group or
     * rotation gives, O(max|ref|).
     */
    private static void close(Conv2dTest.Case c, DataType type, String what, INDArray actual, INDArray expected, long n) {
        assertEquals(type, actual.dataType(), c + ": " + what + " data type");
        assertArrayEquals(expected.shape(), actual.shape(), c + ": " + what + " shape");
        double u = type == DataType.FLOAT ? Math.pow(2, -24) : Math.pow(2, -53);
        double err = Transforms.abs(actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
        assertTrue(err <= (double) n * n * u, c + " " + type + ": " + what + " differs by " + err + ", bound " + (double) n * n * u);
    }
}
