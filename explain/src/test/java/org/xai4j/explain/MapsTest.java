package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MapsTest {
    // One row, two channels, 1 x 2 pixels: channel values (1, -3) at the first pixel, (-2, 0.5) at the second.
    private static final INDArray A = Nd4j.create(new double[] {1, -2, -3, 0.5}, new long[] {1, 2, 1, 2}, DataType.DOUBLE);

    @Test
    void channelAggregationsFollowTheirDefinitions() {
        assertArrayEquals(new double[] {3, 2}, Maps.aggregate(A, Maps.Aggregation.ABS_MAX).data().asDouble(), 0);
        assertArrayEquals(new double[] {4, 2.5}, Maps.aggregate(A, Maps.Aggregation.SUM_ABS).data().asDouble(), 0);
        assertArrayEquals(new double[] {2, 1.5}, Maps.aggregate(A, Maps.Aggregation.ABS_SUM).data().asDouble(), 0);
        assertArrayEquals(new double[] {-2, -1.5}, Maps.aggregate(A, Maps.Aggregation.SUM).data().asDouble(), 0);
        assertArrayEquals(new long[] {1, 1, 2}, Maps.aggregate(A, Maps.Aggregation.SUM).shape());
    }

    /** numpy.percentile([1, 2, 3, 4, 10], 25) = 2, (.., 90) = 7.6 (linear interpolation). */
    @Test
    void percentilesInterpolateLikeNumpy() {
        double[] sorted = {1, 2, 3, 4, 10};
        assertEquals(2, Maps.percentile(sorted, 25), 1e-15);
        assertEquals(7.6, Maps.percentile(sorted, 90), 1e-12);
        INDArray m = Nd4j.create(new double[] {1, 2, 3, 4, 10, 0, 0, 0, 0, 5}, new long[] {2, 1, 5}, DataType.DOUBLE);
        INDArray clamped = Maps.clampToPercentiles(m, 25, 90);
        assertArrayEquals(new double[] {2, 2, 3, 4, 7.6, 0, 0, 0, 0, 3}, clamped.data().asDouble(), 1e-12);
        INDArray scaled = Maps.normalizeMinMax(m);
        assertEquals(0, scaled.slice(0).minNumber().doubleValue(), 0);
        assertEquals(1, scaled.slice(1).maxNumber().doubleValue(), 0);
        assertEquals(0.2, scaled.getDouble(1, 0, 4) - 0.8, 1e-15);
    }

    @Test
    void gaussianSmoothingKeepsConstantsSpreadsAPointAndSigmaZeroIsIdentity() {
        INDArray constant = Nd4j.valueArrayOf(new long[] {1, 9, 9}, 2.5, DataType.DOUBLE);
        Close.assertClose("constant", constant, Maps.gaussianSmooth(constant, 1.3), 1e-15, 0);
        INDArray point = Nd4j.zeros(DataType.DOUBLE, 1, 15, 15);
        point.putScalar(new long[] {0, 7, 7}, 1.0);
        INDArray smooth = Maps.gaussianSmooth(point, 1.0);
        // Far from the edges nothing leaves the image: the kernel is normalised to 1.
        assertEquals(1, smooth.sumNumber().doubleValue(), 1e-12);
        double g1 = Math.exp(-0.5);
        double norm = 0;
        for (int t = -4; t <= 4; t++) {
            norm += Math.exp(-0.5 * t * t);
        }
        assertEquals(g1 / (norm * norm), smooth.getDouble(0, 7, 8), 1e-15);
        assertEquals(smooth.getDouble(0, 6, 7), smooth.getDouble(0, 7, 8), 1e-17);
        assertEquals(point, Maps.gaussianSmooth(point, 0));
    }

    @Test
    void displayHelpersDoNotChangeTheirInput() {
        INDArray copy = A.dup();
        Maps.aggregate(A, Maps.Aggregation.ABS_MAX);
        Maps.clampToPercentiles(A, 10, 90);
        Maps.gaussianSmooth(A, 1);
        assertEquals(copy, A);
        assertTrue(Maps.normalizeMinMax(A).maxNumber().doubleValue() <= 1);
    }
}
