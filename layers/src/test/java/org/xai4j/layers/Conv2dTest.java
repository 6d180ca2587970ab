package org.xai4j.layers;

import org.xai4j.layers.loops.Loops;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
import org.xai4j.testing.GradientCheck;

class Conv2dTest {
    /** A convolution case: input shape, weight shape, bias or not, spec. */
    record Case(String name, long[] x, long[] w, boolean bias, ConvSpec spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        ConvSpec d = ConvSpec.DEFAULT;
        return Stream.of(
                new Case("3x3 pad 1", new long[] {1, 2, 5, 6}, new long[] {3, 2, 3, 3}, true, d.withPadding(1)),
                new Case("stride 2 pad 1, N=2", new long[] {2, 2, 5, 6}, new long[] {3, 2, 3, 3}, true, d.withStride(2).withPadding(1)),
                new Case("TF pads [0,0,1,1] stride 2 (MobileNet v1)", new long[] {1, 2, 8, 8}, new long[] {3, 2, 3, 3}, true,
                        d.withStride(2).withPadding(0, 0, 1, 1)),
                new Case("asymmetric pads [2,0,1,1]", new long[] {1, 2, 5, 6}, new long[] {3, 2, 3, 2}, true, d.withPadding(2, 0, 1, 1)),
                new Case("SAME_UPPER 2x2", new long[] {1, 2, 5, 6}, new long[] {3, 2, 2, 2}, true, d.withPadding(Padding.SAME_UPPER)),
                new Case("SAME_UPPER 4x4 stride 2", new long[] {1, 2, 7, 8}, new long[] {3, 2, 4, 4}, true,
                        d.withStride(2).withPadding(Padding.SAME_UPPER)),
                new Case("SAME_LOWER 2x2", new long[] {1, 2, 5, 6}, new long[] {3, 2, 2, 2}, true, d.withPadding(Padding.SAME_LOWER)),
                new Case("SAME_LOWER 3x3 stride 2", new long[] {1, 2, 8, 7}, new long[] {3, 2, 3, 3}, false,
                        d.withStride(2).withPadding(Padding.SAME_LOWER)),
                new Case("dilation 2 pad 2", new long[] {1, 2, 7, 7}, new long[] {3, 2, 3, 3}, true, d.withDilation(2).withPadding(2)),
                new Case("groups 2", new long[] {2, 4, 4, 4}, new long[] {6, 2, 2, 2}, true, d.withGroups(2).withPadding(1)),
                new Case("groups 2 stride 2 asymmetric", new long[] {1, 4, 5, 5}, new long[] {4, 2, 3, 3}, true,
                        d.withGroups(2).withStride(2).withPadding(0, 1, 1, 0)),
                new Case("depthwise", new long[] {2, 3, 5, 5}, new long[] {3, 1, 3, 3}, true, d.withGroups(3).withPadding(1)),
                new Case("depthwise stride 2 TF pads", new long[] {1, 3, 8, 8}, new long[] {3, 1, 3, 3}, true,
                        d.withGroups(3).withStride(2).withPadding(0, 0, 1, 1)),
                new Case("depthwise multiplier 2", new long[] {1, 3, 5, 6}, new long[] {6, 1, 3, 3}, true, d.withGroups(3).withPadding(1)),
                new Case("depthwise multiplier 2 stride 2 no bias", new long[] {1, 2, 7, 7}, new long[] {4, 1, 3, 3}, false,
                        d.withGroups(2).withStride(2).withPadding(1)),
                new Case("depthwise asymmetric pads [1,0,0,1] (input padded)", new long[] {1, 3, 5, 5}, new long[] {3, 1, 3, 3}, true,
                        d.withGroups(3).withPadding(1, 0, 0, 1)),
                new Case("depthwise dilation 2 SAME_UPPER (Keras separable)", new long[] {2, 3, 4, 4}, new long[] {3, 1, 3, 3}, false,
                        d.withGroups(3).withDilation(2).withPadding(Padding.SAME_UPPER)),
                new Case("no bias", new long[] {1, 3, 5, 5}, new long[] {2, 3, 3, 3}, false, d.withPadding(1)),
                new Case("1x1 stride 2", new long[] {2, 4, 5, 5}, new long[] {5, 4, 1, 1}, true, d.withStride(2)),
                new Case("1x1 stride 2, stride remainder", new long[] {1, 3, 6, 7}, new long[] {4, 3, 1, 1}, false, d.withStride(2)),
                new Case("1x1 stride 2x3", new long[] {1, 2, 7, 8}, new long[] {3, 2, 1, 1}, true, d.withStride(2, 3)),
                new Case("1x1 stride 1, small map (oneDNN)", new long[] {2, 3, 4, 4}, new long[] {5, 3, 1, 1}, true, d),
                new Case("1x1 stride 1, N=2, K<C, 28x30 (GEMM), no bias", new long[] {2, 5, 28, 30}, new long[] {2, 5, 1, 1}, false, d),
                new Case("1x1 stride 1, 27x29 = 783 pixels (one below the GEMM)", new long[] {1, 3, 27, 29}, new long[] {4, 3, 1, 1}, true, d),
                new Case("1x1 stride 1, 28x28 = 784 pixels (the first GEMM size)", new long[] {1, 3, 28, 28}, new long[] {4, 3, 1, 1}, true, d),
                new Case("1x1 groups 2 at 28x28 (a GEMM per group)", new long[] {1, 4, 28, 28}, new long[] {6, 2, 1, 1}, true, d.withGroups(2)),
                new Case("groups 3, dilation 2, SAME_LOWER", new long[] {1, 6, 7, 6}, new long[] {3, 2, 3, 3}, false,
                        d.withGroups(3).withDilation(2).withPadding(Padding.SAME_LOWER)),
                new Case("7x7 stride 2 pad 3", new long[] {1, 2, 9, 9}, new long[] {2, 2, 7, 7}, true, d.withStride(2).withPadding(3)),
                new Case("rectangular 3x1, stride 2x1", new long[] {1, 2, 6, 5}, new long[] {3, 2, 3, 1}, true,
                        d.withStride(2, 1).withPadding(1, 0, 1, 0)));
    }

    /**
     * Every case as the reference Conv2d and, where {@link Specialization} has one, as its faster
     * form (PointwiseConv2d, DepthwiseConv2d, GroupedConv2d): both are held to the same loops.
     */
    static Stream<Arguments> casesAndForms() {
        return cases().flatMap(c -> Specialization.of(layer(c, DataType.DOUBLE)) instanceof Conv2d
                ? Stream.of(Arguments.of(c, false)) : Stream.of(Arguments.of(c, false), Arguments.of(c, true)));
    }

    /** The convolution itself, or its specialized form. */
    @SuppressWarnings("unchecked")
    private static Layer<Conv2d.Cache> form(Conv2d conv, boolean specialized) {
        return specialized ? (Layer<Conv2d.Cache>) Specialization.of(conv) : conv;
    }

    private static Conv2d layer(Case c, DataType type) {
        Nd4j.getRandom().setSeed(11);
        INDArray w = Nd4j.rand(DataType.DOUBLE, c.w()).subi(0.5).castTo(type);
        INDArray b = c.bias() ? Nd4j.rand(DataType.DOUBLE, c.w()[0]).subi(0.5).castTo(type) : null;
        return new Conv2d(w, b, c.spec());
    }

    private static INDArray input(Case c, DataType type) {
        Nd4j.getRandom().setSeed(12);
        return Nd4j.rand(DataType.DOUBLE, c.x()).subi(0.5).muli(2).castTo(type);
    }

    private static INDArray reference(Conv2d conv, INDArray x) {
        Conv2d.Plan p = conv.plan((int) x.size(2), (int) x.size(3));
        ConvSpec s = conv.spec();
        return Loops.conv(x, conv.weight(), conv.bias(), s.strideH(), s.strideW(),
                new int[] {p.top(), p.left(), p.bottom(), p.right()}, s.dilationH(), s.dilationW(), s.groups());
    }

    @ParameterizedTest(name = "{0}, specialized {1}")
    @MethodSource("casesAndForms")
    void doubleForwardAndInputGradientEqualDefinition(Case c, boolean specialized) {
        Conv2d conv = layer(c, DataType.DOUBLE);
        Layer<Conv2d.Cache> run = form(conv, specialized);
        INDArray x = input(c, DataType.DOUBLE);
        INDArray y = run.forward(x).y();
        INDArray ref = reference(conv, x);
        assertEquals(DataType.DOUBLE, y.dataType());
        assertArrayEquals(ref.shape(), y.shape());
        // Both sum at most C*R*S = 147 products of magnitude < 1 in double: 1e-12 is ~50x the worst rounding.
        assertTrue(y.sub(ref).amaxNumber().doubleValue() < 1e-12, c + ": max error " + y.sub(ref).amaxNumber());

        // The input-gradient-only path (deconv2d, rotated depthwise kernels, crops and scatters),
        // which the gradient check (it asks for parameters too) does not take.
        Nd4j.getRandom().setSeed(13);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, y.shape()).subi(0.5);
        INDArray dx = run.backward(run.forward(x).cache(), dy, Need.INPUT).dx()[0];
        Conv2d.Plan p = conv.plan((int) x.size(2), (int) x.size(3));
        ConvSpec s = c.spec();
        INDArray dxRef = Loops.convInputGradient(dy, conv.weight(), x.shape(), s.strideH(), s.strideW(),
                new int[] {p.top(), p.left(), p.bottom(), p.right()}, s.dilationH(), s.dilationW(), s.groups());
        assertEquals(DataType.DOUBLE, dx.dataType());
        assertTrue(dx.sub(dxRef).amaxNumber().doubleValue() < 1e-12, c + ": max dx error " + dx.sub(dxRef).amaxNumber());
    }

    @ParameterizedTest(name = "{0}, specialized {1}")
    @MethodSource("casesAndForms")
    void floatForwardWithinRoundingBound(Case c, boolean specialized) {
        Conv2d conv = layer(c, DataType.FLOAT);
        INDArray x = input(c, DataType.FLOAT);
        INDArray y = form(conv, specialized).forward(x).y();
        assertEquals(DataType.FLOAT, y.dataType());
        // Reference on the same float32 values in double. A float32 dot product of n terms errs by at
        // most n * 2^-24 * sum|terms| (Higham's gamma_n bound), plus one rounding of |y|; sum|terms|
        // is the reference convolution of |x| with |W| (and |b|).
        INDArray ref = reference(conv, x.castTo(DataType.DOUBLE));
        Conv2d abs = new Conv2d(Transforms.abs(conv.weight().castTo(DataType.DOUBLE)),
                conv.bias() == null ? null : Transforms.abs(conv.bias().castTo(DataType.DOUBLE)), c.spec());
        INDArray magnitude = reference(abs, Transforms.abs(x.castTo(DataType.DOUBLE)));
        long n = c.w()[1] * c.w()[2] * c.w()[3] + 1;
        INDArray bound = magnitude.mul(n * Math.pow(2, -24)).addi(Transforms.abs(ref).muli(Math.pow(2, -24)));
        INDArray err = Transforms.abs(y.castTo(DataType.DOUBLE).sub(ref));
        assertFalse(err.gt(bound).any(), c + ": max error " + err.maxNumber() + " above bound");
    }

    @ParameterizedTest(name = "{0}, specialized {1}")
    @MethodSource("casesAndForms")
    void gradientsMatchCentralDifferences(Case c, boolean specialized) {
        GradientCheck.check("Conv2d " + c + (specialized ? ", specialized" : ""), form(layer(c, DataType.DOUBLE), specialized),
                input(c, DataType.DOUBLE));
    }

    @ParameterizedTest(name = "{0}, specialized {1}")
    @MethodSource("casesAndForms")
    void floatInputGradientWithinRoundingBoundOfDefinition(Case c, boolean specialized) {
        Conv2d conv = layer(c, DataType.FLOAT);
        Layer<Conv2d.Cache> run = form(conv, specialized);
        INDArray x = input(c, DataType.FLOAT);
        Layer.Forward<Conv2d.Cache> f = run.forward(x);
        Nd4j.getRandom().setSeed(13);
        INDArray dy = Nd4j.rand(DataType.FLOAT, f.y().shape()).subi(0.5);
        Layer.Backward only = run.backward(f.cache(), dy, Need.INPUT);
        Layer.Backward all = run.backward(f.cache(), dy, Need.all(1, true));
        assertTrue(only.dParameters().isEmpty(), "no parameter gradients when not asked");
        assertEquals(DataType.FLOAT, only.dx()[0].dataType());
        assertEquals(c.bias() ? List.of("weight", "bias") : List.of("weight"), List.copyOf(all.dParameters().keySet()));

        Conv2d.Plan p = conv.plan((int) x.size(2), (int) x.size(3));
        ConvSpec s = c.spec();
        int[] pads = {p.top(), p.left(), p.bottom(), p.right()};
        INDArray ref = Loops.convInputGradient(dy, conv.weight(), x.shape(), s.strideH(), s.strideW(), pads, s.dilationH(), s.dilationW(), s.groups());
        INDArray magnitude = Loops.convInputGradient(Transforms.abs(dy.castTo(DataType.DOUBLE)), Transforms.abs(conv.weight().castTo(DataType.DOUBLE)),
                x.shape(), s.strideH(), s.strideW(), pads, s.dilationH(), s.dilationW(), s.groups());
        // Same gamma_n bound as the forward: each dx sums at most K/G * R * S products.
        long n = c.w()[0] / s.groups() * c.w()[2] * c.w()[3];
        INDArray bound = magnitude.mul(n * Math.pow(2, -24)).addi(Transforms.abs(ref).muli(Math.pow(2, -24)));
        for (Layer.Backward b : List.of(only, all)) {
            INDArray err = Transforms.abs(b.dx()[0].castTo(DataType.DOUBLE).sub(ref));
            assertFalse(err.gt(bound).any(), c + ": max dx error " + err.maxNumber() + " above bound");
        }
    }

    @org.junit.jupiter.api.Test
    void tfStylePadsUseNd4jSameModeWithoutPaddingTheInput() {
        Conv2d conv = new Conv2d(Nd4j.ones(DataType.FLOAT, 4, 4, 3, 3), null, ConvSpec.DEFAULT.withStride(2).withPadding(0, 0, 1, 1));
        Conv2d.Plan p = conv.plan(224, 224);
        assertTrue(p.same() && !p.padInput(), p.toString());
        assertTrue(conv.plan(225, 225).padInput(), "odd sizes: [0,0,1,1] is not TF 'same' there");
    }
}
