package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

class SoftmaxTest {

    @Test
    void forwardMatchesDefinitionAlongEachAxis() {
        INDArray x = TestData.uniform(1, -5, 5, 2, 3, 4);
        for (int axis = 0; axis < 3; axis++) {
            INDArray y = new Softmax(axis).forward(x).y();
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < 4; k++) {
                        long[] at = {i, j, k};
                        double sum = 0;
                        for (long m = 0; m < x.size(axis); m++) {
                            long[] o = at.clone();
                            o[axis] = m;
                            sum += Math.exp(x.getDouble(o));
                        }
                        // 1e-14: a handful of exps, summed in a different order.
                        assertEquals(Math.exp(x.getDouble(at)) / sum, y.getDouble(at), 1e-14, "axis " + axis);
                    }
                }
            }
        }
    }

    @Test
    void largeLogitsDoNotOverflow() {
        INDArray y = new Softmax(-1).forward(TestData.vector(1000, 1000, 0).reshape(1, 3)).y();
        assertEquals(0.5, y.getDouble(0, 0), 1e-15);
        assertEquals(0, y.getDouble(0, 2), 1e-300);
    }

    @Test
    void gradients() {
        GradientCheck.check("Softmax(1) N=2", new Softmax(1), TestData.uniform(2, -3, 3, 2, 5));
        GradientCheck.check("Softmax(-1) rank 3", new Softmax(-1), TestData.uniform(3, -3, 3, 2, 3, 4));
        GradientCheck.check("Softmax(1) NCHW", new Softmax(1), TestData.uniform(4, -3, 3, 2, 3, 2, 2));
        GradientCheck.check("Softmax(0)", new Softmax(0), TestData.uniform(5, -3, 3, 4, 3));
    }

    @Test
    void floatAndErrors() {
        Softmax s = new Softmax(1);
        Layer.Forward<Softmax.Cache> f = s.forward(TestData.uniform(6, -3, 3, 2, 5).castTo(DataType.FLOAT));
        assertEquals(DataType.FLOAT, f.y().dataType());
        assertEquals(DataType.FLOAT, s.backward(f.cache(), f.y(), Need.INPUT).dx()[0].dataType());
        assertThrows(IllegalArgumentException.class, () -> new Softmax(2).forward(TestData.uniform(1, 0, 1, 2, 5)));
    }
}
