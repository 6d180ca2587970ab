package org.xai4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ResamplingTest {
    @Test
    void bilinearUsesHalfPixelCentresAndClampsEdges() {
        INDArray ramp = Nd4j.createFromArray(0f, 10f, 20f, 30f).reshape(1, 1, 1, 4);
        // Up x2: src = (j + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, ..., 3.25 (upper clamp).
        // Weights 1/4 and 3/4 of multiples of 10 are exact in double and in float32: no tolerance.
        assertArrayEquals(new float[] {0, 2.5f, 7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 30},
                Resampling.bilinear(ramp, 1, 8).data().asFloat(), 0f);
        // Down x2: src = 0.5 and 2.5, the midpoints of each pair.
        assertArrayEquals(new float[] {5, 25}, Resampling.bilinear(ramp, 1, 2).data().asFloat(), 0f);
        // Same size: the identity.
        assertArrayEquals(ramp.data().asFloat(), Resampling.bilinear(ramp, 1, 4).data().asFloat(), 0f);
    }

    @Test
    void leadingAxesAreIndependentPlanesAndTheTypeIsKept() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 7);
        INDArray y = Resampling.bilinear(x, 11, 4);
        assertArrayEquals(new long[] {2, 3, 11, 4}, y.shape());
        assertEquals(DataType.DOUBLE, y.dataType());
        // The same planes as a [N, h, w] batch of maps give the same values to the last bit.
        INDArray maps = Resampling.bilinear(x.reshape(6, 5, 7), 11, 4);
        assertEquals(y.reshape(6, 11, 4), maps);
        INDArray single = Resampling.bilinear(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1),
                org.nd4j.linalg.indexing.NDArrayIndex.point(2)), 11, 4);
        assertEquals(maps.get(org.nd4j.linalg.indexing.NDArrayIndex.point(5)), single);
        assertEquals(DataType.FLOAT, Resampling.bilinear(x.castTo(DataType.FLOAT), 3, 3).dataType());
    }

    @Test
    void aTargetBelowOnePixelIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Resampling.bilinear(Nd4j.zeros(DataType.FLOAT, 1, 4, 4), 0, 4));
        assertEquals("bilinear resampling takes [..., h, w] to at least 1x1; got [1, 4, 4] to 0x4", e.getMessage());
    }
}
