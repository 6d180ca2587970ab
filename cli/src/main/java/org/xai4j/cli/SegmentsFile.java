package org.xai4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xai4j.explain.Segmentation;

/**
 * {@code explain --segments FILE.npy}: the user's own segmentation, an integer {@code H x W} map
 * (or {@code 1 x H x W}) at the model's input size, labels {@code >= 0}, as {@code np.save} writes
 * it. The header is checked (dtype, order, shape against the input, size against the file) before
 * any value is read; errors are one line naming the file and what is accepted. Also writes label
 * maps back as int32 ({@code <method>_segments.npy}): {@link org.xai4j.engine.io.Npy} writes float32 only.
 */
final class SegmentsFile {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /** Integer dtypes accepted and their sizes in bytes ('|' and '<' are both little-endian or single bytes). */
    private static final Map<String, Integer> TYPES = Map.of("i1", 1, "u1", 1, "i2", 2, "u2", 2, "i4", 4, "u4", 4, "i8", 8, "u8", 8);

    private SegmentsFile() {}

    static Segmentation read(Path file, int H, int W) {
        String what = "--segments " + file;
        byte[] all;
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            // The header alone is at most 64 KiB; the data must be exactly H*W labels of at most 8 bytes.
            if (size > 65_546L + 8L * H * W) {
                throw new IllegalArgumentException(what + ": " + size + " bytes is more than a " + H + " x " + W + " label map can take");
            }
            all = in.readAllBytes();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(what + ": file not found");
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": cannot read: " + e.getMessage(), e);
        }
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC) || all[6] != 1) {
            throw new IllegalArgumentException(what + ": not a .npy file of format 1.0 (np.save's default)");
        }
        int headerLength = (all[8] & 0xff) | (all[9] & 0xff) << 8;
        if (10 + headerLength > all.length) {
            throw new IllegalArgumentException(what + ": truncated header");
        }
        String dict = new String(all, 10, headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(dict);
        Matcher fortran = FORTRAN.matcher(dict);
        Matcher shape = SHAPE.matcher(dict);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new IllegalArgumentException(what + ": unreadable header " + dict.trim());
        }
        String dtype = descr.group(1);
        Integer bytes = dtype.length() == 3 && (dtype.charAt(0) == '<' || dtype.charAt(0) == '|') ? TYPES.get(dtype.substring(1)) : null;
        if (bytes == null || bytes > 1 && dtype.charAt(0) != '<') {
            throw new IllegalArgumentException(what + ": dtype '" + dtype + "' is not a little-endian integer type; accepted: "
                    + "int8..int64 or uint8..uint64 (np.save of an integer array, e.g. skimage's segmentation)");
        }
        if (fortran.group(1).equals("True")) {
            throw new IllegalArgumentException(what + ": Fortran-ordered arrays are not supported; save np.ascontiguousarray(labels)");
        }
        String[] dims = Arrays.stream(shape.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new);
        String given = "(" + String.join(", ", dims) + ")";
        boolean fits = dims.length == 2 && dims[0].equals(Integer.toString(H)) && dims[1].equals(Integer.toString(W))
                || dims.length == 3 && dims[0].equals("1") && dims[1].equals(Integer.toString(H)) && dims[2].equals(Integer.toString(W));
        if (!fits) {
            throw new IllegalArgumentException(what + ": shape " + given + " is not the model's input size; accepted: (" + H + ", "
                    + W + ") or (1, " + H + ", " + W + ")");
        }
        int offset = 10 + headerLength;
        long expected = offset + (long) bytes * H * W;
        if (all.length != expected) {
            throw new IllegalArgumentException(what + ": the header announces " + H + " x " + W + " " + dtype + " (" + expected
                    + " bytes) but the file has " + all.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(all, offset, all.length - offset).order(ByteOrder.LITTLE_ENDIAN);
        long[] labels = new long[H * W];
        boolean unsigned = dtype.charAt(1) == 'u';
        for (int p = 0; p < labels.length; p++) {
            labels[p] = switch (bytes) {
                case 1 -> unsigned ? b.get() & 0xff : b.get();
                case 2 -> unsigned ? b.getShort() & 0xffff : b.getShort();
                case 4 -> unsigned ? b.getInt() & 0xffffffffL : b.getInt();
                default -> b.getLong();
            };
            if (unsigned && bytes == 8 && labels[p] < 0) {
                throw new IllegalArgumentException(what + ": label " + Long.toUnsignedString(labels[p]) + " is too large; accepted: 0.."
                        + Long.MAX_VALUE);
            }
        }
        return Segmentation.given(labels, H, W, what);
    }

    /** Writes {@code labels [H, W]} as little-endian int32 in C order (np.load reads it). */
    static void writeInt32(int[] labels, int H, int W, Path file) {
        String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (" + H + ", " + W + "), }";
        int padded = (10 + dict.length() + 1 + 63) / 64 * 64;
        StringBuilder header = new StringBuilder(dict);
        while (10 + header.length() + 1 < padded) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(padded + 4 * labels.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        for (int v : labels) {
            b.putInt(v);
        }
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
