package org.xai4j.train.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.io.Preprocess;

/** The source's batches against {@link Preprocess#apply} of the same bytes, bit for bit, drawn when asked or kept. */
class ShapesSourceTest {
    private static final int[] INDICES = {7, 0, 41, 7, 13, 2};

    /** The per-channel table (or, for caffe, apply itself) gives exactly apply's floats. */
    @Test
    void batchIsPreprocessApplyOfTheBytesForEveryPreprocessing() {
        Shapes shapes = Shapes.of(31, Mark.AGREES);
        for (Preprocess p : Preprocess.values()) {
            ShapesSource source = new ShapesSource(shapes, 50, p);
            INDArray x = Nd4j.create(DataType.FLOAT, INDICES.length, 3, 64, 64);
            int[] labels = new int[INDICES.length];
            source.batch(INDICES, x, labels);
            INDArray expected = p.apply(bytes(shapes, INDICES));
            assertArrayEquals(expected.data().asFloat(), x.data().asFloat(), p.name());
            for (int b = 0; b < INDICES.length; b++) {
                org.junit.jupiter.api.Assertions.assertEquals(shapes.label(INDICES[b]), labels[b]);
            }
        }
    }

    /** Kept in memory: the same batches as drawn when asked, and the same object when asked twice. */
    @Test
    void inMemoryGivesTheSameBatches() {
        ShapesSource drawn = new ShapesSource(Shapes.of(32, Mark.NONE), 60, Preprocess.TORCHVISION);
        ShapesSource kept = drawn.inMemory();
        assertSame(kept, kept.inMemory());
        INDArray a = Nd4j.create(DataType.FLOAT, INDICES.length, 3, 64, 64), b = a.like();
        int[] la = new int[INDICES.length], lb = new int[INDICES.length];
        drawn.batch(INDICES, a, la);
        kept.batch(INDICES, b, lb);
        assertArrayEquals(a.data().asFloat(), b.data().asFloat());
        assertArrayEquals(la, lb);
        IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
                () -> kept.batch(new int[] {60}, Nd4j.create(DataType.FLOAT, 1, 3, 64, 64), new int[1]));
        assertTrue(outOfRange.getMessage().contains("accepted: 0 to 59"), outOfRange.getMessage());
    }

    /** A set larger than half the heap is refused before anything is drawn or allocated. */
    @Test
    void aSetTooLargeForTheHeapIsRefused() {
        ShapesSource huge = new ShapesSource(Shapes.of(33, Mark.NONE), Integer.MAX_VALUE, Preprocess.TORCHVISION);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, huge::inMemory);
        assertTrue(e.getMessage().contains("up to half the Java heap"), e.getMessage());
    }

    private static INDArray bytes(Shapes shapes, int[] indices) {
        int image = 3 * 64 * 64;
        float[] v = new float[indices.length * image];
        for (int b = 0; b < indices.length; b++) {
            byte[] rgb = shapes.sample(indices[b]).rgb();
            for (int p = 0; p < image; p++) {
                v[b * image + p] = rgb[p] & 0xFF;
            }
        }
        return Nd4j.create(v, new long[] {indices.length, 3, 64, 64}, DataType.FLOAT);
    }
}
