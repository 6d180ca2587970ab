package org.xai4j.importers.keras;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes small H5 files laid out as Keras 2.x writes them (h5py): root attributes
 * {@code model_config}, {@code keras_version}, {@code backend} as fixed-length strings, and
 * {@code model_weights/<layer>/<layer>/<weight>:0} float datasets. The tests make synthetic
 * models and broken files with it, through the same HDF5 library the importer reads with.
 *
 * <p>Every HDF5 object is deallocated here, under the lock: its C++ destructor closes it now, on
 * this thread. Closed with {@code _close()} and left to the garbage collector, the destructors ran
 * later on JavaCPP's deallocator thread, still calling into HDF5 (not thread-safe) while a test
 * read another file: a CI run's JVM died of a segmentation fault in {@code H5CX_pop} on that
 * thread, at the start of the next test class.
 */
final class H5Writer {
    private H5Writer() {}

    /** {@code modelConfig} null writes a weights-only file, as {@code model.save_weights} does. */
    static void write(Path file, String modelConfig, Map<String, Map<String, INDArray>> weights) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            H5File f = new H5File(file.toString(), hdf5.H5F_ACC_TRUNC);
            try {
                if (modelConfig != null) {
                    stringAttribute(f, "model_config", modelConfig);
                }
                stringAttribute(f, "keras_version", "2.4.0");
                stringAttribute(f, "backend", "tensorflow");
                Group root = f.createGroup("model_weights");
                for (Map.Entry<String, Map<String, INDArray>> layer : weights.entrySet()) {
                    Group outer = root.createGroup(layer.getKey());
                    Group inner = outer.createGroup(layer.getKey());
                    for (Map.Entry<String, INDArray> w : layer.getValue().entrySet()) {
                        dataset(inner, w.getKey() + ":0", w.getValue());
                    }
                    inner.deallocate();
                    outer.deallocate();
                }
                root.deallocate();
            } finally {
                f.deallocate();
            }
        }
    }

    // h5py stores a Python bytes attribute as a fixed-length string of exactly its length.
    private static void stringAttribute(Group g, String name, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StrType type = new StrType(PredType.C_S1(), bytes.length);
        DataSpace scalar = new DataSpace(hdf5.H5S_SCALAR);
        Attribute a = g.createAttribute(name, type, scalar);
        a.write(type, new BytePointer(bytes));
        a.deallocate();
        scalar.deallocate();
        type.deallocate();
    }

    private static void dataset(Group g, String name, INDArray w) {
        float[] data = w.castTo(DataType.FLOAT).dup('c').data().asFloat();
        DataSpace space = new DataSpace(w.rank(), w.shape());
        DataSet d = g.createDataSet(name, PredType.NATIVE_FLOAT(), space);
        d.write(new FloatPointer(data), PredType.NATIVE_FLOAT());
        d.deallocate();
        space.deallocate();
    }
}
