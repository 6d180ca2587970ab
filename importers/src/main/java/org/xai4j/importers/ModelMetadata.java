package org.xai4j.importers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.shade.protobuf.CodedInputStream;
import org.nd4j.shade.protobuf.WireFormat;
import org.xai4j.importers.keras.KerasImporter;

/**
 * What a model file says about itself besides its graph. ONNX: {@code producer_name} and
 * {@code producer_version}, {@code doc_string} and the {@code metadata_props} key/value pairs
 * (xai4j's exporter writes {@value #PREPROCESS_KEY}). Keras H5: the root attributes
 * {@code keras_version}, {@code backend} and {@code model_config} (the JSON that names a Keras
 * application, e.g. {@code mobilenet_v2_1.00_224}).
 *
 * <p>ONNX files are read field by field and the graph is skipped unparsed, so this costs
 * milliseconds even for a large model; call it after {@link Models#load}, whose errors on a
 * damaged file are the ones to show.
 */
public record ModelMetadata(String format, String producer, String description, Map<String, String> properties) {
    /** The ONNX metadata key naming the preprocessing preset ({@code torchvision}, {@code inception}, {@code caffe}, {@code none}). */
    public static final String PREPROCESS_KEY = "xai4j.preprocess";
    /** The class names, one per line in output order (xai4j's exporter writes them). */
    public static final String LABELS_KEY = "xai4j.labels";

    // ModelProto field numbers (onnx.proto3): producer_name 2, producer_version 3, doc_string 6,
    // metadata_props 14; StringStringEntryProto: key 1, value 2.
    private static final int PRODUCER_NAME = 2;
    private static final int PRODUCER_VERSION = 3;
    private static final int DOC_STRING = 6;
    private static final int METADATA_PROPS = 14;

    public ModelMetadata {
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    }

    /** The metadata of an ONNX or Keras H5 file (told apart as {@link Models#load} does). */
    public static ModelMetadata read(Path file) {
        if (Models.isHdf5(file)) {
            Map<String, String> attributes = KerasImporter.attributes(file);
            String version = attributes.get("keras_version");
            return new ModelMetadata("keras", version == null ? "Keras" : "Keras " + version, "", attributes);
        }
        return onnx(file);
    }

    private static ModelMetadata onnx(Path file) {
        String name = "";
        String version = "";
        String doc = "";
        Map<String, String> props = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream s = CodedInputStream.newInstance(in);
            s.setSizeLimit(Integer.MAX_VALUE);
            for (int tag = s.readTag(); tag != 0; tag = s.readTag()) {
                int field = WireFormat.getTagFieldNumber(tag);
                if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    s.skipField(tag);
                } else if (field == PRODUCER_NAME) {
                    name = s.readStringRequireUtf8();
                } else if (field == PRODUCER_VERSION) {
                    version = s.readStringRequireUtf8();
                } else if (field == DOC_STRING) {
                    doc = s.readStringRequireUtf8();
                } else if (field == METADATA_PROPS) {
                    int limit = s.pushLimit(s.readRawVarint32());
                    String key = "";
                    String value = "";
                    for (int t = s.readTag(); t != 0; t = s.readTag()) {
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case 1 -> key = s.readStringRequireUtf8();
                            case 2 -> value = s.readStringRequireUtf8();
                            default -> s.skipField(t);
                        }
                    }
                    s.popLimit(limit);
                    props.put(key, value);
                } else {
                    s.skipField(tag);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(file + ": cannot read the ONNX model's metadata (" + e.getMessage() + ")", e);
        }
        String producer = (name + " " + version).strip();
        return new ModelMetadata("onnx", producer, doc, props);
    }
}
