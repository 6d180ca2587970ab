package org.xai4j.layers;

import org.xai4j.layers.loops.Loops;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

/**
 * {@link PointwiseConv2d}, the matrix-product form of 1x1 convolutions, against the plain loops
 * of {@link Loops}: forward, dx alone (the explainers' call), and dx, dW, db together, in
 * float32 and float64, on maps at and above the size where the products take over.
 */
class PointwiseConvTest {
    /** x [N, C, H, W], weight [K, C, 1, 1]. */
    record Case(String name, long N, long C, long K, long H, long W, boolean bias, ConvSpec spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        ConvSpec d = ConvSpec.DEFAULT;
        return Stream.of(
                new Case("N=1, K<C, 28x30, bias", 1, 6, 4, 28, 30, true, d),
                new Case("N=3, K>C, 30x28, no bias", 3, 3, 8, 30, 28, false, d),
                new Case("N=3, K>C, 28x29, bias", 3, 5, 7, 28, 29, true, d),
                new Case("SAME_UPPER (pads resolve to 0)", 2, 4, 3, 28, 31, true, d.withPadding(Padding.SAME_UPPER)),
                new Case("dilation 2 (moves nothing at 1x1)", 1, 4, 3, 29, 28, true, d.withDilation(2)),
                new Case("one row, 1x800", 2, 3, 4, 1, 800, true, d),
                new Case("K=1", 2, 5, 1, 28, 28, true, d),
                new Case("C=1", 2, 1, 5, 28, 28, true, d));
    }

    static Stream<Arguments> casesAndTypes() {
        return cases().flatMap(c -> Stream.of(Arguments.of(c, DataType.DOUBLE), Arguments.of(c, DataType.FLOAT)));
    }

    private static PointwiseConv2d layer(Case c, DataType type) {
        INDArray w = TestData.uniform(21, -0.5, 0.5, c.K(), c.C(), 1, 1).castTo(type);
        INDArray b = c.bias() ? TestData.uniform(22, -0.5, 0.5, c.K()).castTo(type) : null;
        return new PointwiseConv2d(new Conv2d(w, b, c.spec()));
    }

    private static INDArray input(Case c, DataType type) {
        return TestData.uniform(23, -1, 1, c.N(), c.C(), c.H(), c.W()).castTo(type);
    }

    private static final int[] NO_PADS = {0, 0, 0, 0};

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void casesTakeTheMatrixProductPath(Case c) {
        PointwiseConv2d conv = layer(c, DataType.DOUBLE);
        assertTrue(conv.usesGemm(new long[] {c.N(), c.C(), c.H(), c.W()}), c.toString());
        assertTrue(Specialization.of(conv.reference()) instanceof PointwiseConv2d, c + ": the rewrite picks it");
    }

    @Test
    void otherConvolutionsAndSmallMapsDoNot() {
        ConvSpec d = ConvSpec.DEFAULT;
        INDArray w = TestData.uniform(1, -1, 1, 3, 2, 1, 1);
        assertFalse(PointwiseConv2d.applies(new Conv2d(w, null, d.withPadding(1))), "pads");
        assertFalse(PointwiseConv2d.applies(new Conv2d(TestData.uniform(1, -1, 1, 4, 1, 1, 1), null, d.withGroups(2))), "groups");
        assertFalse(PointwiseConv2d.applies(new Conv2d(TestData.uniform(1, -1, 1, 3, 2, 3, 3), null, d)), "3x3");
        assertTrue(PointwiseConv2d.applies(new Conv2d(w, null, d.withPadding(Padding.SAME_LOWER).withStride(2))), "'same' is 0 at 1x1");
        assertThrows(IllegalArgumentException.class, () -> new PointwiseConv2d(new Conv2d(w, null, d.withPadding(1))));
        PointwiseConv2d unit = new PointwiseConv2d(new Conv2d(w, null, d));
        assertFalse(unit.usesGemm(new long[] {1, 2, 27, 29}), "27 x 29 = 783 pixels: oneDNN");
        assertTrue(unit.usesGemm(new long[] {1, 2, 28, 28}));
        assertFalse(new PointwiseConv2d(new Conv2d(w, null, d.withStride(2))).usesGemm(new long[] {1, 2, 56, 56}), "stride 2");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndTypes")
    void forwardAndGradientsEqualDefinition(Case c, DataType type) {
        PointwiseConv2d conv = layer(c, type);
        INDArray x = input(c, type);
        INDArray w = conv.reference().weight();
        Layer.Forward<Conv2d.Cache> f = conv.forward(x);
        INDArray dy = TestData.uniform(24, -1, 1, f.y().shape()).castTo(type);
        Layer.Backward only = conv.backward(f.cache(), dy, Need.INPUT);
        Layer.Backward all = conv.backward(f.cache(), dy, Need.all(1, true));

        // Each reference is also run on |x|, |W|, |b|, |dy|: that is sum|terms| of every sum, for the bound.
        INDArray absX = abs(x), absW = abs(w), absDy = abs(dy);
        close("y", c, type, f.y(), Loops.conv(x, w, conv.reference().bias(), 1, 1, NO_PADS, 1, 1, 1),
                Loops.conv(absX, absW, conv.reference().bias() == null ? null : abs(conv.reference().bias()), 1, 1, NO_PADS, 1, 1, 1), c.C() + 1);
        INDArray dxRef = Loops.convInputGradient(dy, w, x.shape(), 1, 1, NO_PADS, 1, 1, 1);
        INDArray dxAbs = Loops.convInputGradient(absDy, absW, x.shape(), 1, 1, NO_PADS, 1, 1, 1);
        close("dx (input only)", c, type, only.dx()[0], dxRef, dxAbs, c.K());
        close("dx", c, type, all.dx()[0], dxRef, dxAbs, c.K());
        long pixels = c.N() * c.H() * c.W();
        close("dW", c, type, all.dParameters().get("weight"), Loops.convWeightGradient(x, dy, w.shape(), 1, 1, NO_PADS, 1, 1, 1),
                Loops.convWeightGradient(absX, absDy, w.shape(), 1, 1, NO_PADS, 1, 1, 1), pixels);
        assertTrue(only.dParameters().isEmpty(), "no parameter gradients when not asked");
        if (c.bias()) {
            close("db", c, type, all.dParameters().get("bias"), Loops.convBiasGradient(dy), Loops.convBiasGradient(absDy), pixels);
        } else {
            assertNull(all.dParameters().get("bias"));
        }
    }

    /**
     * Few outputs on purpose: the check's loss sums all N K H W of them, and its rounding, divided
     * by 2h, reached the check's 1e-8 floor at 17 000 outputs (N=3, K=7, 28x29).
     */
    static Stream<Case> smallOutputCases() {
        return Stream.of(new Case("N=2, K=2, 28x28, bias", 2, 3, 2, 28, 28, true, ConvSpec.DEFAULT),
                new Case("N=1, K=3, 28x29, no bias", 1, 4, 3, 28, 29, false, ConvSpec.DEFAULT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallOutputCases")
    void gradientsMatchCentralDifferences(Case c) {
        GradientCheck.check("Conv2d 1x1 " + c, layer(c, DataType.DOUBLE), input(c, DataType.DOUBLE));
    }

    /**
     * Stride 2 keeps oneDNN forward, but its dx is the stride-1 product scattered to every other
     * pixel: by GEMM for a 28x31 dy (x 56x61: the last row has no output), by deconv2d for 4x3.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void strideTwoInputGradientEqualsDefinition(DataType type) {
        for (long[] hw : new long[][] {{56, 61}, {7, 6}}) {
            Case c = new Case("stride 2, " + hw[0] + "x" + hw[1], 3, 4, 5, hw[0], hw[1], true, ConvSpec.DEFAULT.withStride(2));
            PointwiseConv2d conv = layer(c, type);
            INDArray x = input(c, type);
            Layer.Forward<Conv2d.Cache> f = conv.forward(x);
            INDArray dy = TestData.uniform(25, -1, 1, f.y().shape()).castTo(type);
            INDArray dx = conv.backward(f.cache(), dy, Need.INPUT).dx()[0];
            close("dx", c, type, dx, Loops.convInputGradient(dy, conv.reference().weight(), x.shape(), 2, 2, NO_PADS, 1, 1, 1),
                    Loops.convInputGradient(abs(dy), abs(conv.reference().weight()), x.shape(), 2, 2, NO_PADS, 1, 1, 1), c.K());
        }
    }

    static Stream<DataType> types() {
        return Stream.of(DataType.DOUBLE, DataType.FLOAT);
    }

    /**
     * Asserts {@code max|actual - ref| <= 2 n u max(magnitude)} over the whole array: any order of summing n terms errs by at most {@code n u sum|terms|} (Higham's gamma_n
     * bound, u = 2^-24 in float32, 2^-53 in float64), and {@code magnitude} holds sum|terms| of
     * every entry; the factor 2 covers the reference's own double rounding and the final
     * rounding of each entry. In these cases that is 1e-7 to 1.1e-6 of max|ref| for y and dx in
     * float32 (n = C + 1 or K terms), 8e-4 to 1.4e-2 for dW and db (n = N H W, up to 2610 terms,
     * the worst case of which is far from the typical one), and at most 2.6e-11 in float64. The
     * errors measured were at most 1.0e-7 (y, dx), 1.5e-6 (dW, db) and 1.9e-15 (float64) of
     * max|ref|, while a wrong index, a transposed operand or a dropped image errs by O(max|ref|).
     */
    private static void close(String what, Case c, DataType type, INDArray actual, INDArray ref, INDArray magnitude, long n) {
        assertEquals(type, actual.dataType(), c + ": " + what + " data type");
        assertArrayEquals(ref.shape(), actual.shape(), c + ": " + what + " shape");
        double u = type == DataType.FLOAT ? Math.pow(2, -24) : Math.pow(2, -53);
        double bound = 2 * n * u * magnitude.maxNumber().doubleValue();
        double err = Transforms.abs(actual.castTo(DataType.DOUBLE).sub(ref)).maxNumber().doubleValue();
        double scale = Transforms.abs(ref).maxNumber().doubleValue();
        assertTrue(err <= bound, c + " " + actual.dataType() + ": " + what + " max error " + err + " (" + err / scale
                + " of max|ref|) above " + bound);
    }

    private static INDArray abs(INDArray a) {
        return Transforms.abs(a.castTo(DataType.DOUBLE));
    }
}
