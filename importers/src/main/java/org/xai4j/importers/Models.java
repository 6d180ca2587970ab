package org.xai4j.importers;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.xai4j.engine.Graph;
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
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file + ": no such file"
                    + (Files.isDirectory(file) ? " (it is a directory; pass the .onnx or .h5 file inside)" : ""));
        }
        return isHdf5(file) ? loadKeras(file) : OnnxImporter.load(file);
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

    // The Keras importer lives in this module but is written separately; until it is present,
    // an HDF5 file gets a clear message instead of an ONNX parse error.
    private static Graph loadKeras(Path file) {
        Class<?> keras;
        try {
            keras = Class.forName("org.xai4j.importers.keras.KerasImporter");
        } catch (ClassNotFoundException e) {
            throw new ModelFormatException(file + ": is an HDF5 (Keras .h5) file, but Keras H5 support is not available "
                    + "in this build; export the model to ONNX instead");
        }
        try {
            return (Graph) keras.getMethod("load", Path.class).invoke(null, file);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new ModelFormatException(file + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new ModelFormatException(file + ": Keras H5 support is not available (" + e + ")", e);
        }
    }
}
