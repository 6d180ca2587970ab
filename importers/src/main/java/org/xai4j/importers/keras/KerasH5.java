package org.xai4j.importers.keras;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.importers.ModelFormatException;

/**
 * A Keras full-model H5 file read through Deeplearning4j's {@link Hdf5Archive}: the
 * {@code model_config} JSON and the weights under {@code model_weights}.
 *
 * <p>Two traps of Hdf5Archive shape this class. {@code readAttributeAsJson} returns a padded
 * buffer with trailing garbage, so the config is read with {@code readAttributeAsString}. And
 * string-array attributes ({@code layer_names}, {@code weight_names}) cannot be read at all, so
 * weights are found by listing groups and datasets (alphabetical, not layer order) and matched by
 * the name of the group that holds them: {@code model_weights/conv1/conv1/kernel:0} for a top-level
 * layer, {@code model_weights/sequential_1/Conv1/kernel:0} for a layer inside a nested model.
 */
final class KerasH5 implements AutoCloseable {
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    static final String WEIGHTS = "model_weights";

    private final Path file;
    private final Hdf5Archive archive;
    /** Top-level group -> holder group name -> weight name without ":0" -> path of the dataset. */
    private final Map<String, Map<String, Map<String, String[]>>> index = new HashMap<>();
    /** The groups under model_weights (listed once: each listing walks the group natively). */
    private Set<String> topGroups;
    /** A second handle on the file, for dataset sizes (Hdf5Archive does not expose them). */
    private org.bytedeco.hdf5.H5File sizes;

    private KerasH5(Path file, Hdf5Archive archive) {
        this.file = file;
        this.archive = archive;
    }

    static KerasH5 open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file + ": no such file");
        }
        boolean hdf5 = startsWithSignature(file);
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            // The HDF5 library prints its error stack to stderr by default; the failure is
            // reported as one line below instead.
            org.bytedeco.hdf5.Exception.dontPrint();
            try {
                return new KerasH5(file, new Hdf5Archive(file.toString()));
            } catch (RuntimeException e) {
                throw new ModelFormatException(file + ": " + (hdf5
                        ? "HDF5 file is truncated or corrupt (" + file.toFile().length() + " bytes; the HDF5 library cannot open it)"
                        : "not an HDF5 file (a Keras .h5 file starts with the HDF5 signature)"));
            }
        }
    }

    private static boolean startsWithSignature(Path file) {
        byte[] head = new byte[HDF5_SIGNATURE.length];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, head.length) == head.length && Arrays.equals(head, HDF5_SIGNATURE);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    Path file() {
        return file;
    }

    /** The exact {@code model_config} JSON, or a clear error for a weights-only file. */
    String modelConfig() {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            boolean has;
            try {
                has = archive.hasAttribute("model_config");
            } catch (RuntimeException e) {
                throw new ModelFormatException(file + ": HDF5 file is corrupt: cannot read its attributes (" + e.getMessage() + ")", e);
            }
            if (!has) {
                throw new ModelFormatException(file + ": has no model_config attribute: it holds weights only "
                        + "(Keras model.save_weights); save the whole model with model.save(\"model.h5\") "
                        + "or export it to ONNX");
            }
            try {
                return archive.readAttributeAsString("model_config");
            } catch (Exception e) {
                throw new ModelFormatException(file + ": cannot read the model_config attribute (" + e.getMessage() + ")", e);
            }
        }
    }

    /** An attribute of the root group as a string, or null when it is absent. */
    String attribute(String name) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try {
                return archive.hasAttribute(name) ? archive.readAttributeAsString(name) : null;
            } catch (Exception e) {
                return null;
            }
        }
    }

    /**
     * The weights of layer {@code layer} found under {@code model_weights/<top>}, by weight name
     * without the ":0" suffix ({@code kernel}, {@code bias}, {@code gamma}, ...); empty when the
     * layer has none.
     */
    Map<String, INDArray> weights(String top, String layer) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            Map<String, String[]> paths;
            try {
                paths = index.computeIfAbsent(top, this::indexGroup).getOrDefault(layer, Map.of());
            } catch (RuntimeException e) {
                // The HDF5 library fails on damaged group or object headers with a bare RuntimeException.
                throw new ModelFormatException(file + ": HDF5 file is corrupt: cannot list the weights of layer '" + layer
                        + "' (" + e.getMessage() + ")", e);
            }
            Map<String, INDArray> weights = new LinkedHashMap<>();
            for (Map.Entry<String, String[]> e : paths.entrySet()) {
                String[] path = e.getValue();
                try {
                    checkSize(path, layer);
                    weights.put(e.getKey(), archive.readDataSet(path[path.length - 1], Arrays.copyOf(path, path.length - 1)));
                } catch (ModelFormatException ex) {
                    throw ex;
                } catch (Exception ex) {
                    throw new ModelFormatException(file + ": cannot read weight " + String.join("/", path)
                            + " of layer '" + layer + "' (" + ex.getMessage() + ")", ex);
                }
            }
            return weights;
        }
    }

    /**
     * Hdf5Archive allocates whatever a dataset's dataspace declares; a damaged or hostile file may
     * declare billions of values for a kernel of a few hundred, so the count is checked first
     * against the memory budget (float32 after reading).
     */
    private void checkSize(String[] path, String layer) {
        if (sizes == null) {
            sizes = new org.bytedeco.hdf5.H5File(file.toString(), org.bytedeco.hdf5.global.hdf5.H5F_ACC_RDONLY);
        }
        org.bytedeco.hdf5.DataSet d = sizes.openDataSet(String.join("/", path));
        org.bytedeco.hdf5.DataSpace space = null;
        try {
            space = d.getSpace();
            int rank = space.getSimpleExtentNdims();
            long[] dims = new long[Math.max(rank, 0)];
            space.getSimpleExtentDims(dims);
            MemoryBudget.checkArray(file + ": weight " + String.join("/", path) + " of layer '" + layer + "'", dims, Float.BYTES);
        } catch (MemoryBudget.Exceeded ex) {
            throw new ModelFormatException(ex.getMessage(), ex);
        } finally {
            // The C++ destructor closes it, here under the lock: left to the garbage collector, it
            // ran on JavaCPP's deallocator thread while Deeplearning4j read another file (HDF5 is
            // not thread-safe), and after _close() it closed a closed id ("DataSet::~DataSet -
            // H5Dclose failed"), and a test run's JVM died of a segmentation fault right after.
            if (space != null) {
                space.deallocate();
            }
            d.deallocate();
        }
    }

    private Map<String, Map<String, String[]>> indexGroup(String top) {
        Map<String, Map<String, String[]>> byHolder = new HashMap<>();
        if (topGroups == null) {
            topGroups = groupExists() ? Set.copyOf(archive.getGroups(WEIGHTS)) : Set.of();
        }
        if (!topGroups.contains(top)) {
            return byHolder;
        }
        List<String[]> todo = new ArrayList<>();
        todo.add(new String[] {WEIGHTS, top});
        while (!todo.isEmpty()) {
            String[] group = todo.remove(todo.size() - 1);
            String holder = group[group.length - 1];
            for (String d : archive.getDataSets(group)) {
                String[] path = Arrays.copyOf(group, group.length + 1);
                path[group.length] = d;
                String key = d.endsWith(":0") ? d.substring(0, d.length() - 2) : d;
                byHolder.computeIfAbsent(holder, h -> new LinkedHashMap<>()).put(key, path);
            }
            for (String g : archive.getGroups(group)) {
                String[] sub = Arrays.copyOf(group, group.length + 1);
                sub[group.length] = g;
                todo.add(sub);
            }
        }
        return byHolder;
    }

    private boolean groupExists() {
        return archive.getGroups().contains(WEIGHTS);
    }

    @Override
    public void close() {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            if (sizes != null) {
                sizes.deallocate();     // its destructor closes the file, now and once (see checkSize)
            }
            archive.close();
        }
    }
}
