package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

/** ReLU, Clip, LeakyReLU, Sigmoid, Tanh, Identity: values, gradients, kinks, dtypes, Need. */
class ActivationsTest {
    private static final Need NOTHING = new Need(new boolean[] {false}, false);

    /** Backward with dy = 1 everywhere: the elementwise derivative itself. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static double[] derivative(Layer layer, double... x) {
        Layer.Forward f = layer.forward(TestData.vector(x));
        return layer.backward(f.cache(), Nd4j.ones(DataType.DOUBLE, x.length), Need.INPUT).dx()[0].toDoubleVector();
    }

    private static double[] forward(Layer<?> layer, double... x) {
        return layer.forward(TestData.vector(x)).y().toDoubleVector();
    }

    /** Forward equals the scalar definition everywhere on a seeded sample (exact for these ops up to libm). */
    private static void matchesDefinition(Layer<?> layer, DoubleUnaryOperator f) {
        INDArray x = TestData.uniform(3, -8, 8, 2, 3, 4, 5);
        INDArray y = layer.forward(x).y();
        assertArrayEquals(x.shape(), y.shape());
        double[] xs = x.reshape(x.length()).toDoubleVector();
        double[] ys = y.reshape(y.length()).toDoubleVector();
        for (int i = 0; i < xs.length; i++) {
            // 1e-12: transcendental kernels differ from java.lang.Math in the last bits only.
            assertEquals(f.applyAsDouble(xs[i]), ys[i], 1e-12, layer.describe() + " at x=" + xs[i]);
        }
    }

    @Test
    void reluValuesGradientsAndKinkAtZero() {
        matchesDefinition(new ReLU(), v -> Math.max(v, 0));
        GradientCheck.check("ReLU", new ReLU(), TestData.awayFrom(1, -2, 2, new double[] {0}, 1e-3, 2, 3, 4, 4));
        assertArrayEquals(new double[] {0, 0, 1, 0}, derivative(new ReLU(), -1, 0, 2, -0.0));
        assertArrayEquals(new double[] {0, 0, 2}, forward(new ReLU(), -1, 0, 2));
    }

    @Test
    void clipValuesGradientsAndKinksAtBothBounds() {
        matchesDefinition(Clip.relu6(), v -> Math.min(Math.max(v, 0), 6));
        matchesDefinition(new Clip(-1.5, 2.5), v -> Math.min(Math.max(v, -1.5), 2.5));
        GradientCheck.check("ReLU6", Clip.relu6(), TestData.awayFrom(2, -3, 9, new double[] {0, 6}, 1e-3, 2, 3, 5, 5));
        GradientCheck.check("Clip(-1,1)", new Clip(-1, 1), TestData.awayFrom(3, -2, 2, new double[] {-1, 1}, 1e-3, 3, 7));
        // ReLU6: the derivative is 1 strictly inside (0, 6) only.
        assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0}, derivative(Clip.relu6(), -1, 0, 1e-9, 5.999, 6, 7));
        assertArrayEquals(new double[] {0, 0, 3, 6, 6}, forward(Clip.relu6(), -1, 0, 3, 6, 7));
        // A missing bound: +-infinity.
        Clip upperOnly = new Clip(Double.NEGATIVE_INFINITY, 6);
        assertArrayEquals(new double[] {-100, 6}, forward(upperOnly, -100, 7));
        assertArrayEquals(new double[] {1, 0, 0}, derivative(upperOnly, -100, 6, 7));
        assertThrows(IllegalArgumentException.class, () -> new Clip(1, 0));
    }

    @Test
    void relu6IsClipZeroSixOnLibnd4jKernels() {
        ReLU6 relu6 = new ReLU6(Clip.relu6());
        matchesDefinition(relu6, v -> Math.min(Math.max(v, 0), 6));
        GradientCheck.check("ReLU6 (relu6_bp)", relu6, TestData.awayFrom(2, -3, 9, new double[] {0, 6}, 1e-3, 2, 3, 5, 5));
        assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0}, derivative(relu6, -1, 0, 1e-9, 5.999, 6, 7));
        assertArrayEquals(new double[] {0, 0, 3, 6, 6}, forward(relu6, -1, 0, 3, 6, 7));
        assertEquals("Clip(min=0.0, max=6.0)", relu6.describe(), "xai4j layers shows the model, not the kernel");
        assertTrue(Specialization.of(Clip.relu6()) instanceof ReLU6);
        assertSame(Specialization.of(new Clip(0, 1)).getClass(), Clip.class, "only Clip(0, 6)");
        assertThrows(IllegalArgumentException.class, () -> new ReLU6(new Clip(-1, 6)));
    }

    /** dx = dy * [min < y < max] by definition, on values that include both bounds exactly. */
    private static void clipGradientMatchesDefinition(Layer<Clip.Cache> layer, Clip clip, DataType type) {
        INDArray x = TestData.uniform(15, clip.min() - 2, clip.max() + 2, 3, 4, 5, 5);
        x.putScalar(0, clip.min());
        x.putScalar(1, clip.max());
        x = x.castTo(type);
        INDArray dy = TestData.uniform(16, -1, 1, 3, 4, 5, 5).castTo(type);
        Layer.Forward<Clip.Cache> f = layer.forward(x);
        INDArray y = f.y().castTo(DataType.DOUBLE);
        assertEquals(Transforms.min(Transforms.max(x.castTo(DataType.DOUBLE), clip.min()), clip.max()), y, layer + " " + type);
        double[] dx = layer.backward(f.cache(), dy, Need.INPUT).dx()[0].reshape(x.length()).toDoubleVector();
        double[] xs = x.reshape(x.length()).toDoubleVector();
        double[] dys = dy.reshape(x.length()).toDoubleVector();
        for (int i = 0; i < xs.length; i++) {
            double expected = xs[i] > clip.min() && xs[i] < clip.max() ? dys[i] : 0;
            assertEquals(expected, dx[i], 0, clip.describe() + " " + type + " at x=" + xs[i]);
        }
    }

    @Test
    void clipGradientIsExactlyTheMaskedOutputGradient() {
        // Both forms of ReLU6 (the Clip's masks, ReLU6's relu6_bp) and another Clip, bit for bit.
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            clipGradientMatchesDefinition(Clip.relu6(), Clip.relu6(), type);
            clipGradientMatchesDefinition(new ReLU6(Clip.relu6()), Clip.relu6(), type);
            clipGradientMatchesDefinition(new Clip(-1.5, 2.5), new Clip(-1.5, 2.5), type);
        }
    }

    @Test
    void leakyReluValuesGradientsAndSlopeAlphaAtZero() {
        matchesDefinition(new LeakyReLU(0.1), v -> v > 0 ? v : 0.1 * v);
        GradientCheck.check("LeakyReLU(0.1)", new LeakyReLU(0.1), TestData.awayFrom(4, -2, 2, new double[] {0}, 1e-3, 2, 3, 4, 4));
        GradientCheck.check("LeakyReLU(-0.5)", new LeakyReLU(-0.5), TestData.awayFrom(5, -2, 2, new double[] {0}, 1e-3, 2, 9));
        // PyTorch: x > 0 ? 1 : alpha, so the slope at 0 is alpha.
        assertArrayEquals(new double[] {0.1, 0.1, 1}, derivative(new LeakyReLU(0.1), -2, 0, 3), 1e-15);
        assertArrayEquals(new double[] {-0.2, 0, 3}, forward(new LeakyReLU(0.1), -2, 0, 3), 1e-15);
    }

    @Test
    void sigmoidAndTanhMatchDefinitionsAndGradients() {
        matchesDefinition(new Sigmoid(), v -> 1 / (1 + Math.exp(-v)));
        matchesDefinition(new Tanh(), Math::tanh);
        GradientCheck.check("Sigmoid", new Sigmoid(), TestData.uniform(6, -4, 4, 2, 3, 4, 4));
        GradientCheck.check("Tanh", new Tanh(), TestData.uniform(7, -3, 3, 2, 3, 4, 4));
        // Closed form at 0: sigmoid' = 1/4, tanh' = 1.
        assertEquals(0.25, derivative(new Sigmoid(), 0)[0], 1e-15);
        assertEquals(1, derivative(new Tanh(), 0)[0], 1e-15);
    }

    @Test
    void identityReturnsItsInputAndGradient() {
        GradientCheck.check("Identity", new Identity(), TestData.uniform(8, -1, 1, 2, 3, 4));
        INDArray x = TestData.uniform(9, -1, 1, 2, 3);
        Layer.Forward<Void> f = new Identity().forward(x);
        assertSame(x, f.y());
        INDArray dy = TestData.uniform(10, -1, 1, 2, 3);
        assertSame(dy, new Identity().backward(null, dy, Need.INPUT).dx()[0]);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void floatStaysFloatAndNothingIsComputedWhenNotNeeded() {
        Layer[] layers = {new ReLU(), Clip.relu6(), new LeakyReLU(0.2), new Sigmoid(), new Tanh(), new Identity()};
        INDArray x = TestData.uniform(11, -8, 8, 2, 3, 4, 4).castTo(DataType.FLOAT);
        INDArray dy = TestData.uniform(12, -1, 1, 2, 3, 4, 4).castTo(DataType.FLOAT);
        for (Layer layer : layers) {
            Layer.Forward f = layer.forward(x);
            assertEquals(DataType.FLOAT, f.y().dataType(), layer.describe());
            INDArray dx = layer.backward(f.cache(), dy, Need.INPUT).dx()[0];
            assertEquals(DataType.FLOAT, dx.dataType(), layer.describe());
            assertArrayEquals(x.shape(), dx.shape(), layer.describe());
            assertNull(layer.backward(f.cache(), dy, NOTHING).dx()[0], layer.describe());
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void stridedViewsAsGradientsGiveTheSameResult() {
        // Concat and Pad hand out slices of dy; every rule must read such views correctly.
        Layer[] layers = {new ReLU(), Clip.relu6(), new LeakyReLU(0.2), new Sigmoid(), new Tanh()};
        INDArray x = TestData.uniform(13, -8, 8, 2, 3, 4, 4);
        INDArray wide = TestData.uniform(14, -1, 1, 2, 5, 4, 4);
        INDArray dy = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4), NDArrayIndex.all(), NDArrayIndex.all());
        for (Layer layer : layers) {
            Layer.Forward f = layer.forward(x);
            INDArray fromView = layer.backward(f.cache(), dy, Need.INPUT).dx()[0];
            INDArray fromCopy = layer.backward(f.cache(), dy.dup(), Need.INPUT).dx()[0];
            assertEquals(fromCopy, fromView, layer.describe());
        }
    }
}
