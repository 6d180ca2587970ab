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
