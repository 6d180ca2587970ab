package org.xai4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Flat reads what ND4J reads, from views at an offset too, and writes only where it was asked. */
class FlatTest {
    private static final INDArray M = Nd4j.arange(24).castTo(DataType.FLOAT).reshape('c', 4, 6);

    /**
     * Dense arrays, rows at an offset, a block of rows, a row of that block (a view of a view),
     * the last two images of a batch, strided columns, f order, float64 and float16. (ND4J's
     * {@code slice} and {@code point} of a batch view gave an empty scalar here, so no case uses them.)
     */
    @Test
    void readsWhatNd4jHolds() {
        INDArray block = M.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        INDArray batch = Nd4j.arange(48).castTo(DataType.FLOAT).reshape('c', 4, 3, 2, 2);
        INDArray lastTwo = batch.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        List<INDArray> cases = List.of(M, M.getRow(2), block, block.getRow(1), lastTwo, M.getColumn(4),
                M.dup('f'), M.castTo(DataType.DOUBLE).getRow(3), M.castTo(DataType.HALF));
        for (INDArray a : cases) {
            double[] expected = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            assertTrue(a.length() > 0 && expected.length == a.length(), a.shapeInfoToString());
            assertArrayEquals(expected, Flat.read(a), 0, a.shapeInfoToString());
        }
        assertEquals(0, Flat.read(Nd4j.empty(DataType.FLOAT)).length);
    }

    /** Axes of size 1 do not make an array strided: a head's logits [2, 5, 1, 1] are written in place. */
    @Test
    void unitAxesAreContiguous() {
        INDArray logits = Nd4j.createUninitialized(DataType.DOUBLE, 2, 5, 1, 1);
        double[] v = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        Flat.write(v, logits);
        assertArrayEquals(v, Flat.read(logits), 0);
        assertArrayEquals(v, logits.data().asDouble(), 0);
    }

    /**
     * Writing row 2 of a matrix, directly or as row 1 of the block of rows 1-2, changes that row
     * and nothing else; float is rounded once from double.
     */
    @Test
    void writesIntoARowAndNowhereElse() {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            INDArray expected = M.castTo(type).dup();
            expected.putRow(2, Nd4j.createFromArray(-1, -2, -3, -4, -5, 1.0 / 3).castTo(type));
            INDArray m = M.castTo(type).dup();
            Flat.write(new double[] {-1, -2, -3, -4, -5, 1.0 / 3}, m.getRow(2));
            assertEquals(expected, m, type.toString());
            INDArray viaBlock = M.castTo(type).dup();
            Flat.write(new double[] {-1, -2, -3, -4, -5, 1.0 / 3}, viaBlock.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()).getRow(1));
            assertEquals(expected, viaBlock, type + ", a view of a view");
        }
    }

    /** float32 goes through Java in chunks of 8,192: three of them, the last one short, and back. */
    @Test
    void aLongArrayInChunks() {
        INDArray big = Nd4j.arange(20_001).castTo(DataType.FLOAT).muli(0.5f);
        double[] v = Flat.read(big);
        assertArrayEquals(big.castTo(DataType.DOUBLE).data().asDouble(), v, 0);
        for (int i = 0; i < v.length; i++) {
            v[i] = -v[i];
        }
        INDArray back = Flat.create(v, DataType.FLOAT, 1, 20_001);
        assertEquals(big.neg().reshape(1, 20_001), back);
    }

    @Test
    void refusesAStridedTargetOrAWrongLength() {
        INDArray m = M.dup();
        assertThrows(IllegalArgumentException.class, () -> Flat.write(new double[4], m.getColumn(1)));
        assertThrows(IllegalArgumentException.class, () -> Flat.write(new double[5], m.getRow(1)));
    }

    @Test
    void createsAnArrayOfTheTypeAndShape() {
        INDArray a = Flat.create(new double[] {1, 2, 3, 4, 5, 6}, DataType.FLOAT, 1, 2, 3);
        assertEquals(DataType.FLOAT, a.dataType());
        assertArrayEquals(new long[] {1, 2, 3}, a.shape());
        assertEquals(Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f).reshape(1, 2, 3), a);
    }
}
