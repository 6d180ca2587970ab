package org.xai4j.importers.onnx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorProto.DataType;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ONNX tensors to ND4J arrays. Real numbers become float32 (the engine computes in float32;
 * doubles are rounded once here), integers become int64 (they are shapes, axes, indices). Values
 * come from {@code raw_data} (little-endian), from the typed fields ({@code float_data},
 * {@code double_data}, {@code int64_data}, {@code int32_data}) or from an external file.
 */
final class OnnxTensors {
    private OnnxTensors() {}

    /** Thrown with a reason; the caller adds the file and the tensor's role. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    static INDArray read(TensorProto t, Path modelDir) {
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new Unsupported("negative dimension in " + java.util.Arrays.toString(shape));
            }
            if (d != 0 && count > Integer.MAX_VALUE / d) {
                throw new Unsupported("dims " + java.util.Arrays.toString(shape) + " hold more than 2^31 values");
            }
            count *= d;
        }
        if (count > Integer.MAX_VALUE) {
            throw new Unsupported("tensor of " + count + " elements is too large");
        }
        int n = (int) count;
        DataType type = DataType.forNumber(t.getDataType());
        if (type == null) {
            throw new Unsupported("unknown data_type " + t.getDataType());
        }
        ByteBuffer raw = rawBytes(t, modelDir, n, type);
        switch (type) {
            case FLOAT -> {
                float[] v = new float[n];
                if (raw != null) {
                    checkSize(raw, n, 4);
                    raw.asFloatBuffer().get(v);
                } else {
                    checkCount(t.getFloatDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = t.getFloatData(i);
                    }
                }
                return floats(v, shape);
            }
            case DOUBLE -> {
                float[] v = new float[n];
                if (raw != null) {
                    checkSize(raw, n, 8);
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) raw.getDouble(8 * i);
                    }
                } else {
                    checkCount(t.getDoubleDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) t.getDoubleData(i);
                    }
                }
                return floats(v, shape);
            }
            case INT64 -> {
                long[] v = new long[n];
                if (raw != null) {
                    checkSize(raw, n, 8);
                    raw.asLongBuffer().get(v);
                } else {
                    checkCount(t.getInt64DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = t.getInt64Data(i);
                    }
                }
                return longs(v, shape);
            }
            case INT32 -> {
                long[] v = new long[n];
                if (raw != null) {
                    checkSize(raw, n, 4);
                    for (int i = 0; i < n; i++) {
                        v[i] = raw.getInt(4 * i);
                    }
                } else {
                    checkCount(t.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = t.getInt32Data(i);
                    }
                }
                return longs(v, shape);
            }
            default -> throw new Unsupported("data type " + type + " is not supported (float, double, int64, int32 are)");
        }
    }

    /**
     * The tensor's bytes, checked against its dims before any array is made: a file may declare
     * 2^31 values and hold a few bytes, and the value array would be allocated for nothing.
     */
    private static ByteBuffer rawBytes(TensorProto t, Path modelDir, int n, DataType type) {
        ByteBuffer raw;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = external(t, modelDir);
        } else if (t.getRawData().isEmpty()) {
            int have = switch (type) {
                case FLOAT -> t.getFloatDataCount();
                case DOUBLE -> t.getDoubleDataCount();
                case INT64 -> t.getInt64DataCount();
                case INT32 -> t.getInt32DataCount();
                default -> n;
            };
            checkCount(have, n);
            return null;
        } else {
            raw = t.getRawData().asReadOnlyByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
        }
        int width = switch (type) {
            case DOUBLE, INT64 -> 8;
            default -> 4;
        };
        checkSize(raw, n, width);
        return raw;
    }

    // Models over 2 GB keep weights beside the .onnx file: location is relative to its folder.
    private static ByteBuffer external(TensorProto t, Path modelDir) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = number(e.getValue(), "offset");
                case "length" -> length = number(e.getValue(), "length");
                default -> { }
            }
        }
        if (location == null) {
            throw new Unsupported("external data without a location");
        }
        Path file = modelDir.resolve(location).normalize();
        if (!Files.isRegularFile(file)) {
            throw new Unsupported("external data file " + file + " not found");
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long size = length >= 0 ? length : f.length() - offset;
            if (size < 0 || offset > f.length() || size > f.length() - offset || size > Integer.MAX_VALUE) {
                throw new Unsupported("external data " + file + " is shorter than offset " + offset + " + length " + size);
            }
            byte[] bytes = new byte[(int) size];
            f.seek(offset);
            f.readFully(bytes);
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new Unsupported("cannot read external data " + file + ": " + e.getMessage());
        }
    }

    private static long number(String value, String key) {
        try {
            long v = Long.parseLong(value.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Unsupported("external data " + key + " '" + value + "' is not a number >= 0");
    }

    private static void checkSize(ByteBuffer raw, int n, int bytesPerValue) {
        if (raw.remaining() != (long) n * bytesPerValue) {
            throw new Unsupported("raw_data holds " + raw.remaining() + " bytes, the shape needs " + (long) n * bytesPerValue);
        }
    }

    private static void checkCount(int have, int n) {
        if (have != n) {
            throw new Unsupported("holds " + have + " values, the shape needs " + n);
        }
    }

    static INDArray floats(float[] v, long... shape) {
        if (shape.length == 0) {
            return Nd4j.scalar(v[0]);
        }
        if (v.length == 0) {
            return Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, shape);
        }
        return Nd4j.create(v, shape, 'c');
    }

    static INDArray longs(long[] v, long... shape) {
        if (shape.length == 0) {
            return Nd4j.scalar(v[0]);
        }
        if (v.length == 0) {
            return Nd4j.create(org.nd4j.linalg.api.buffer.DataType.LONG, shape);
        }
        DataBuffer b = Nd4j.createBuffer(v);
        return Nd4j.create(b, shape);
    }
}
