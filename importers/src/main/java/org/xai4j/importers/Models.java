package org.xai4j.importers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.xai4j.engine.Graph;
import org.xai4j.importers.keras.KerasImporter;
import org.xai4j.importers.onnx.OnnxImporter;

/**
 * Loads a model file of any supported format into an engine {@link Graph}. The format is told by
 * the file's first bytes, not its name: HDF5 files (Keras {@code .h5}) start with the signature
 * {@code \x89 H D F \r \n \x1a \n}; everything else is read as an ONNX protobuf.
 */
public final class Models {
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Models() {}

    /** The model in {@code file} as a graph; a {@link ModelFormatException} if it cannot be read. */
    public static Graph load(Path file) {
        return load(file, OnnxImporter.Options.DEFAULT);
    }

    /** As {@link #load(Path)}, with {@code onnx} options for an ONNX file (a Keras file takes none). */
    public static Graph load(Path file, OnnxImporter.Options onnx) {
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file + ": no such file"
                    + (Files.isDirectory(file) ? " (it is a directory; pass the .onnx or .h5 file inside)" : ""));
        }
        return isHdf5(file) ? KerasImporter.load(file) : OnnxImporter.load(file, onnx);
    }

    /**
     * The model in {@code bytes} (an ONNX or Keras file's content, say a class-path resource of a
     * service); {@code name} stands for the file in error messages. An ONNX model whose weights
     * sit in external data files needs {@link #load(Path)}, which finds them beside the file.
     */
    public static Graph load(byte[] bytes, String name) {
        // The HDF5 reader takes only a path, so the bytes go through a private temporary file.
        Path tmp = null;
        try {
            tmp = Files.createTempFile("xai4j-model-", isHdf5(bytes) ? ".h5" : ".onnx");
            Files.write(tmp, bytes);
            return load(tmp);
        } catch (IOException e) {
            throw new ModelFormatException(name + ": cannot be staged for reading (" + e.getMessage() + ")", e);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(e.getMessage().replace(String.valueOf(tmp), name), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file the system cleans up
                }
            }
        }
    }

    /**
     * The model read from {@code in} (not closed), at most {@link #MAX_STREAM_BYTES}: a stream
     * that goes on is refused before it fills the heap.
     */
    public static Graph load(InputStream in, String name) {
        byte[] bytes;
        try {
            bytes = in.readNBytes(MAX_STREAM_BYTES + 1);
        } catch (IOException e) {
            throw new ModelFormatException(name + ": cannot be read (" + e.getMessage() + ")", e);
        }
        if (bytes.length > MAX_STREAM_BYTES) {
            throw new ModelFormatException(name + ": more than " + MAX_STREAM_BYTES + " bytes; a model this large loads from a file");
        }
        return load(bytes, name);
    }

    /** ONNX's own limit for one protobuf file (2 GiB less a byte); larger models keep weights outside. */
    public static final int MAX_STREAM_BYTES = Integer.MAX_VALUE - 8;

    private static boolean isHdf5(byte[] head) {
        int n = HDF5_SIGNATURE.length;
        return head.length >= n && java.util.Arrays.equals(head, 0, n, HDF5_SIGNATURE, 0, n);
    }

    static boolean isHdf5(Path file) {
        byte[] head = new byte[HDF5_SIGNATURE.length];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length) {
                return false;
            }
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        return java.util.Arrays.equals(head, HDF5_SIGNATURE);
    }
}
