package org.xai4j.explain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Reads the oracle's {@code .npy} files: format 1.0, little-endian float32, C order. Test-only. */
final class Npy {
    private Npy() {}

    static INDArray read(Path file) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            if (b.get(0) != (byte) 0x93 || b.get(1) != 'N' || b.get(6) != 1) {
                throw new IllegalArgumentException(file + " is not a version 1 .npy file");
            }
            int headerLength = b.getShort(8) & 0xffff;
            String header = new String(b.array(), 10, headerLength, StandardCharsets.ISO_8859_1);
            if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
                throw new IllegalArgumentException(file + ": only little-endian float32 in C order is read here: " + header);
            }
            Matcher m = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(header);
            if (!m.find()) {
                throw new IllegalArgumentException(file + ": no shape in header " + header);
            }
            long[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
            b.position(10 + headerLength);
            float[] v = new float[(int) Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
            b.asFloatBuffer().get(v);
            return Nd4j.create(v, shape, 'c').castTo(DataType.FLOAT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
