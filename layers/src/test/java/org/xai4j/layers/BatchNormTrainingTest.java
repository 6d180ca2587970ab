package org.xai4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Need;
import org.xai4j.testing.GradientCheck;

class BatchNormTrainingTest {

    private static BatchNormTraining bn(int C, long seed) {
        return new BatchNormTraining(TestData.uniform(seed, 0.5, 1.5, C), TestData.uniform(seed + 1, -0.5, 0.5, C), 1e-5);
    }

    @Test
    void forwardNormalisesByTheBatchStatistics() {
        BatchNormTraining bn = bn(3, 1);
        // Channels with different offsets and scales, one far from zero (mean 50, sd about 1) to catch E[x^2] - mu^2.
        INDArray x = TestData.uniform(2, -2, 2, 4, 3, 5, 6);
        x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).addi(50);
        BatchNormTraining.Cache c = bn.forward(x).cache();
        INDArray y = bn.forward(x).y();
        double worst = 0;
        for (int ch = 0; ch < 3; ch++) {
            double sum = 0, sq = 0;
            int M = 4 * 5 * 6;
            for (int n = 0; n < 4; n++) for (int h = 0; h < 5; h++) for (int w = 0; w < 6; w++) {
                sum += x.getDouble(n, ch, h, w);
            }
            double mu = sum / M;
            for (int n = 0; n < 4; n++) for (int h = 0; h < 5; h++) for (int w = 0; w < 6; w++) {
                sq += Math.pow(x.getDouble(n, ch, h, w) - mu, 2);
            }
            double var = sq / M;
            assertEquals(mu, c.mean()[ch], 1e-12);
            assertEquals(var, c.var()[ch], 1e-12);
            for (int n = 0; n < 4; n++) for (int h = 0; h < 5; h++) for (int w = 0; w < 6; w++) {
                double expected = bn.gamma().getDouble(ch) * (x.getDouble(n, ch, h, w) - mu) / Math.sqrt(var + 1e-5)
                        + bn.beta().getDouble(ch);
                worst = Math.max(worst, Math.abs(expected - y.getDouble(n, ch, h, w)));
            }
        }
        assertEquals(120, c.count());
        // Sums of 120 doubles of order 50 and a few operations each: ~1e-13 rounding; a wrong formula is O(1).
        assertTrue(worst < 1e-12, "max error " + worst);
    }

    @Test
    void gradientsThroughTheBatchStatistics() {
        // Central differences re-run the forward, so they see mu and sigma^2 move with x: this checks
        // the full backward, not the frozen-statistics one BatchNorm2d has.
        GradientCheck.check("BatchNormTraining NCHW", bn(3, 1), TestData.uniform(3, -2, 2, 4, 3, 3, 5));
        GradientCheck.check("BatchNormTraining [N,C]", bn(4, 2), TestData.uniform(4, -2, 2, 6, 4));
        GradientCheck.check("BatchNormTraining N=1", bn(2, 3), TestData.uniform(5, -2, 2, 1, 2, 4, 4));
    }

    @Test
    void inputGradientIgnoresShiftsAndAlmostScales() {
        // y does not move when x shifts per channel, so sum dx = 0; a per-channel scaling moves y only
        // through eps, so sum dx (x - mu) = gamma / sqrt(var + eps) * eps / (var + eps) * sum dy (x - mu).
        BatchNormTraining bn = bn(2, 5);
        INDArray x = TestData.uniform(6, -1, 3, 5, 2, 4, 4);
        BatchNormTraining.Cache c = bn.forward(x).cache();
        INDArray dy = TestData.uniform(7, -1, 1, 5, 2, 4, 4);
        INDArray dx = bn.backward(c, dy, Need.INPUT).dx()[0];
        for (int ch = 0; ch < 2; ch++) {
            double s = 0, sx = 0, dyx = 0;
            for (int n = 0; n < 5; n++) for (int h = 0; h < 4; h++) for (int w = 0; w < 4; w++) {
                double xc = x.getDouble(n, ch, h, w) - c.mean()[ch];
                s += dx.getDouble(n, ch, h, w);
                sx += dx.getDouble(n, ch, h, w) * xc;
                dyx += dy.getDouble(n, ch, h, w) * xc;
            }
            double var = c.var()[ch];
            double expected = bn.gamma().getDouble(ch) / Math.sqrt(var + 1e-5) * 1e-5 / (var + 1e-5) * dyx;
            // 80 products of order 1: 1e-13 is far above rounding and far below a missing term (order 1).
            assertTrue(Math.abs(s) < 1e-13, "channel " + ch + ": sum dx = " + s);
            assertTrue(Math.abs(sx - expected) < 1e-13, "channel " + ch + ": sum dx (x - mu) = " + sx + ", expected " + expected);
        }
    }

    @Test
    void floatMatchesDouble() {
        BatchNormTraining b64 = bn(3, 8);
        BatchNormTraining b32 = new BatchNormTraining(b64.gamma().castTo(DataType.FLOAT), b64.beta().castTo(DataType.FLOAT), 1e-5);
        INDArray x = TestData.uniform(9, -2, 2, 4, 3, 6, 6);
        INDArray dy = TestData.uniform(10, -1, 1, 4, 3, 6, 6);
        INDArray y64 = b64.forward(x).y(), y32 = b32.forward(x.castTo(DataType.FLOAT)).y();
        INDArray dx64 = b64.backward(b64.forward(x).cache(), dy, Need.INPUT).dx()[0];
        INDArray dx32 = b32.backward(b32.forward(x.castTo(DataType.FLOAT)).cache(), dy.castTo(DataType.FLOAT), Need.INPUT).dx()[0];
        assertEquals(DataType.FLOAT, y32.dataType());
        // float32 inputs rounded at 6e-8 relative, values of order 1-3: 1e-5 leaves a wide margin.
        assertTrue(y64.sub(y32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() < 1e-5);
        assertTrue(dx64.sub(dx32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() < 1e-5);
    }

    /**
     * The faster form against the reference on float32 batches: planes of 64 values (a multiple
     * of its four partial sums), of 21 (a remainder) and of 1 ([N, C] input), one channel far from
     * zero. Statistics are double sums of the same float values in another order: 1e-12 relative
     * is far above that rounding. y, dx and the parameter gradients are float32 results that
     * differ by where float rounding happens (a few ulps of the largest value, about 1e-7 relative
     * each): 1e-5 of the largest value leaves room, and a wrong term is of order 1.
     */
    @Test
    void floatFormMatchesTheReference() {
        long[][] shapes = {{8, 3, 8, 8}, {3, 3, 3, 7}, {16, 3}};
        for (long[] shape : shapes) {
            BatchNormTraining reference = new BatchNormTraining(TestData.uniform(11, 0.5, 1.5, 3).castTo(DataType.FLOAT),
                    TestData.uniform(12, -0.5, 0.5, 3).castTo(DataType.FLOAT), 1e-5);
            FloatBatchNormTraining fast = (FloatBatchNormTraining) Specialization.of(reference);
            assertTrue(fast.reference() == reference && fast.parameters().equals(reference.parameters()));
            assertEquals(reference.describe(), fast.describe(), "xai4j layers shows the model, not the kernel");
            INDArray x = TestData.uniform(13, -2, 2, shape);
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).addi(50);
            x = x.castTo(DataType.FLOAT);
            INDArray dy = TestData.uniform(14, -1, 1, shape).castTo(DataType.FLOAT);
            var r = reference.forward(x);
            var f = fast.forward(x);
            String at = java.util.Arrays.toString(shape);
            for (int c = 0; c < 3; c++) {
                assertEquals(r.cache().mean()[c], f.cache().mean()[c], 1e-12 * Math.abs(r.cache().mean()[c]) + 1e-15, "mean " + at);
                assertEquals(r.cache().var()[c], f.cache().var()[c], 1e-12 * r.cache().var()[c], "variance " + at);
            }
            assertEquals(r.cache().count(), f.cache().count());
            assertClose(r.y(), f.y(), "y " + at);
            Need all = Need.all(1, true);
            var rb = reference.backward(r.cache(), dy, all);
            var fb = fast.backward(f.cache(), dy, all);
            assertClose(rb.dx()[0], fb.dx()[0], "dx " + at);
            assertClose(rb.dParameters().get("gamma"), fb.dParameters().get("gamma"), "dgamma " + at);
            assertClose(rb.dParameters().get("beta"), fb.dParameters().get("beta"), "dbeta " + at);
            assertEquals(DataType.FLOAT, fb.dParameters().get("gamma").dataType());
            assertTrue(fast.backward(f.cache(), dy, Need.INPUT).dParameters().isEmpty(), "parameter gradients only when asked");
        }
    }

    /** Other types are the reference's own results, bit for bit. */
    @Test
    void floatFormRunsTheReferenceOnDoubles() {
        BatchNormTraining reference = bn(3, 15);
        FloatBatchNormTraining fast = new FloatBatchNormTraining(reference);
        INDArray x = TestData.uniform(16, -2, 2, 4, 3, 5, 5), dy = TestData.uniform(17, -1, 1, 4, 3, 5, 5);
        assertEquals(reference.forward(x).y(), fast.forward(x).y());
        assertEquals(reference.backward(reference.forward(x).cache(), dy, Need.INPUT).dx()[0],
                fast.backward(fast.forward(x).cache(), dy, Need.INPUT).dx()[0]);
        GradientCheck.check("FloatBatchNormTraining (double: the reference)", fast, TestData.uniform(3, -2, 2, 4, 3, 3, 5));
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.amaxNumber().doubleValue();
        double worst = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(worst <= 1e-5 * scale, what + ": worst difference " + worst + " of largest value " + scale);
    }

    @Test
    void refusesWhatItCannotNormalise() {
        BatchNormTraining bn = bn(3, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> bn.forward(TestData.uniform(1, 0, 1, 2, 4, 3, 3)))
                .getMessage().contains("expects x [N, 3, ...]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> bn.forward(TestData.uniform(1, 0, 1, 1, 3)))
                .getMessage().contains("at least 2 values per channel"));
        assertThrows(IllegalArgumentException.class, () -> new BatchNormTraining(bn.gamma(), bn.beta(), 0));
    }
}
