package org.xai4j.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.MemoryBudget;

/**
 * NumPy {@code .npy} files (format 1.0, what {@code np.save} writes) as float32 arrays.
 *
 * <p>The data itself is read and written by ND4J ({@link Nd4j#createFromNpyFile},
 * {@link Nd4j#writeAsNumpy}). The header is checked here first, because ND4J trusts it: a
 * truncated file comes back as garbage numbers, a Fortran-ordered one with its axes silently
 * transposed, and a big-endian one aborts the whole JVM in a native assertion.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** What the header of a {@code .npy} file says (dimensions checked: none negative, the count fits 64 bits). */
    public record Header(String dtype, boolean fortranOrder, long[] shape, int dataOffset) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    /**
     * Reads a float32 ({@code <f4}) or float64 ({@code <f8}, converted) array in C order.
     *
     * @throws IllegalArgumentException naming the file and what is accepted, for anything else
     */
    public static INDArray read(Path file) {
        Header h = header(file);
        if (h.elements() == 0) {
            throw bad(file, "the header's shape " + Arrays.toString(h.shape()) + " holds no values; accepted: arrays of at least one value");
        }
        MemoryBudget.checkArray(file + ": the array", h.shape(), h.dtype().equals("<f8") ? 8 : 4);
        INDArray x = Nd4j.createFromNpyFile(file.toFile());
        return x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
    }

    /** Parses and checks the header, and that the file holds exactly the data it announces. */
    public static Header header(Path file) {
        byte[] head;
        byte[] dictBytes;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            size = Files.size(file);
            head = in.readNBytes(10);
            if (head.length < 10 || !Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC)) {
                throw bad(file, "not a .npy file (no \\x93NUMPY magic)");
            }
            if (head[6] != 1) {
                throw bad(file, "format version " + head[6] + "." + head[7] + " is not supported; accepted: 1.0 (np.save's default)");
            }
            int headerLength = (head[8] & 0xff) | (head[9] & 0xff) << 8;
            dictBytes = in.readNBytes(headerLength);
            if (dictBytes.length < headerLength) {
                throw bad(file, "truncated header");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("file not found: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int dataOffset = 10 + dictBytes.length;
        String dict = new String(dictBytes, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(dict);
        Matcher fortran = FORTRAN.matcher(dict);
        Matcher shape = SHAPE.matcher(dict);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw bad(file, "unreadable header " + dict.trim());
        }
        String dtype = descr.group(1);
        if (!dtype.equals("<f4") && !dtype.equals("<f8")) {
            throw bad(file, "dtype '" + dtype + "' is not supported; accepted: float32 '<f4' or float64 '<f8' (little-endian)");
        }
        if (fortran.group(1).equals("True")) {
            throw bad(file, "Fortran-ordered arrays are not supported; save np.ascontiguousarray(x) instead");
        }
        long[] dims = parseShape(file, shape.group(1));
        // ND4J trusts the header: a negative dimension aborts in its native code, and a count that
        // overflows 64 bits wraps around to one that can match the file's size, read as another shape.
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw bad(file, "the header's shape " + Arrays.toString(dims) + " has a negative dimension; accepted: sizes >= 0");
            }
            if (d != 0 && count > Long.MAX_VALUE / 8 / d) {
                throw bad(file, "the header's shape " + Arrays.toString(dims) + " holds more values than any file can");
            }
            count *= d;
        }
        Header h = new Header(dtype, false, dims, dataOffset);
        long expected = dataOffset + count * (dtype.equals("<f4") ? 4 : 8);
        if (size != expected) {
            throw bad(file, "the header announces shape " + Arrays.toString(h.shape()) + " " + dtype + " (" + expected
                    + " bytes) but the file has " + size + " bytes (truncated or corrupt?)");
        }
        return h;
    }

    private static long[] parseShape(Path file, String tuple) {
        String[] parts = tuple.split(",");
        long[] shape = new long[parts.length];
        int k = 0;
        for (String p : parts) {
            if (!p.isBlank()) {
                try {
                    shape[k++] = Long.parseLong(p.trim());
                } catch (NumberFormatException e) {
                    throw bad(file, "unreadable shape (" + tuple + ")");
                }
            }
        }
        return Arrays.copyOf(shape, k);
    }

    /** Writes {@code x} as float32 in C order (format 1.0, readable by {@code np.load}). */
    public static void write(INDArray x, Path file) {
        INDArray c = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        if (c.ordering() != 'c' || c.isView()) {
            c = c.dup('c');
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Nd4j.writeAsNumpy(c, file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException bad(Path file, String why) {
        return new IllegalArgumentException(file + ": " + why);
    }
}
