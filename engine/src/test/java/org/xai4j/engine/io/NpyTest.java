package org.xai4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.testing.Shared;

class NpyTest {
    @TempDir
    Path dir;

    /** A .npy file written byte by byte as np.save would, independent of ND4J's writer. */
    private Path npy(String name, String descr, boolean fortran, String shape, int dataBytes, int version) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < dataBytes / 4 && descr.equals("<f4"); i++) {
            b.putFloat(i);
        }
        for (int i = 0; i < dataBytes / 8 && descr.equals("<f8"); i++) {
            b.putDouble(i);
        }
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    @Test
    void readsWhatNumpyWrites() throws IOException {
        INDArray x = Npy.read(npy("a.npy", "<f4", false, "(1, 2, 3, 4)", 24 * 4, 1));
        assertEquals(DataType.FLOAT, x.dataType());
        assertArrayEquals(new long[] {1, 2, 3, 4}, x.shape());
        // C order: element [0,1,2,3] is number 1*12 + 2*4 + 3 = 23.
        assertEquals(23f, x.getFloat(0, 1, 2, 3));
        assertEquals(6f, x.getFloat(0, 0, 1, 2));
    }

    @Test
    void float64IsConvertedToFloat32() throws IOException {
        INDArray x = Npy.read(npy("d.npy", "<f8", false, "(2, 3)", 6 * 8, 1));
        assertEquals(DataType.FLOAT, x.dataType());
        assertEquals(5f, x.getFloat(1, 2));
    }

    @Test
    void roundTripKeepsShapeAndValues() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 5, 7).subi(0.5);
        Path f = dir.resolve("sub/dir/x.npy");
        Npy.write(x, f);
        INDArray y = Npy.read(f);
        assertArrayEquals(x.shape(), y.shape());
        assertEquals(x, y);
    }

    @Test
    void writesViewsAndDoublesAsContiguousFloat32() {
        INDArray d = Nd4j.arange(24).castTo(DataType.DOUBLE).reshape(2, 3, 4).permute(2, 1, 0);
        Path f = dir.resolve("v.npy");
        Npy.write(d, f);
        INDArray y = Npy.read(f);
        assertArrayEquals(new long[] {4, 3, 2}, y.shape());
        assertEquals(d.castTo(DataType.FLOAT), y);
    }

    @Test
    void readsTheOracleInput() {
        INDArray x = Npy.read(Shared.require("oracle/tiny/input.npy"));
        assertArrayEquals(new long[] {1, 3, 32, 32}, x.shape());
        // Standard normal draws: mean near 0, spread near 1 (3072 samples).
        assertEquals(0, x.meanNumber().doubleValue(), 0.1);
        assertEquals(1, x.stdNumber().doubleValue(), 0.1);
    }

    @Test
    void badFilesFailWithTheFileAndTheReason() throws IOException {
        assertError(npy("t.npy", "<f4", false, "(1, 2, 3, 4)", 20 * 4, 1), "t.npy", "truncated or corrupt");
        assertError(npy("be.npy", ">f4", false, "(2,)", 8, 1), "be.npy", "'>f4' is not supported");
        assertError(npy("i.npy", "<i8", false, "(2,)", 16, 1), "i.npy", "accepted: float32");
        assertError(npy("f.npy", "<f4", true, "(2, 3)", 24, 1), "f.npy", "Fortran-ordered");
        assertError(npy("v2.npy", "<f4", false, "(2,)", 8, 2), "v2.npy", "version 2.0");
        Path junk = dir.resolve("junk.npy");
        Files.writeString(junk, "this is not a numpy file at all");
        assertError(junk, "junk.npy", "not a .npy file");
        Path empty = dir.resolve("empty.npy");
        Files.write(empty, new byte[0]);
        assertError(empty, "empty.npy", "not a .npy file");
        assertError(dir.resolve("missing.npy"), "missing.npy", "not found");
    }

    @Test
    void headersThatNd4jWouldMisreadAreRefused() throws IOException {
        // (-2, -3) announces 6 values, exactly what the file holds: ND4J aborted in native code on it.
        assertError(npy("neg.npy", "<f4", false, "(-2, -3)", 6 * 4, 1), "neg.npy", "negative dimension");
        // 3 * 6148914691236517206 = 2^64 + 2: the count wrapped around to the 2 values the file
        // holds, and ND4J read them as some other shape.
        assertError(npy("wrap.npy", "<f4", false, "(3, 6148914691236517206)", 2 * 4, 1), "wrap.npy", "more values than");
        // 2^62 + 6 values of 4 bytes: the byte count wraps to 24, which the file holds.
        assertError(npy("bytes.npy", "<f4", false, "(4611686018427387910,)", 6 * 4, 1), "bytes.npy", "more values than");
        assertError(npy("none.npy", "<f4", false, "(0, 3)", 0, 1), "none.npy", "holds no values");
        assertError(npy("huge.npy", "<f4", false, "(99999999999999999999,)", 8, 1), "huge.npy", "unreadable shape");
    }

    private static void assertError(Path f, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(f));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain '" + p + "'");
        }
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + Arrays.toString(parts));
    }
}
