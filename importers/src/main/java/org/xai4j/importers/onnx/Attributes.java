package org.xai4j.importers.onnx;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.TensorProto;

/**
 * The attributes of one ONNX node, read by their spec names ({@code kernel_shape}, {@code pads},
 * {@code auto_pad}, ...). Every read is recorded: an attribute a converter never read is one it
 * does not understand, and {@link #unread()} lets the importer refuse the node instead of
 * silently ignoring a setting that changes the result.
 */
final class Attributes {
    private final Map<String, AttributeProto> byName = new LinkedHashMap<>();
    private final Set<String> read = new HashSet<>();

    Attributes(List<AttributeProto> attributes) {
        for (AttributeProto a : attributes) {
            byName.put(a.getName(), a);
        }
    }

    boolean has(String name) {
        read.add(name);
        return byName.containsKey(name);
    }

    /** Marks an attribute as understood although it does not affect inference (momentum, seed). */
    void ignore(String... names) {
        read.addAll(List.of(names));
    }

    long getInt(String name, long fallback) {
        AttributeProto a = get(name);
        return a == null ? fallback : a.getI();
    }

    float getFloat(String name, float fallback) {
        AttributeProto a = get(name);
        return a == null ? fallback : a.getF();
    }

    String getString(String name, String fallback) {
        AttributeProto a = get(name);
        return a == null ? fallback : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** A list of ints, or {@code null} when absent. */
    long[] getInts(String name) {
        AttributeProto a = get(name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    float[] getFloats(String name) {
        AttributeProto a = get(name);
        if (a == null) {
            return null;
        }
        float[] v = new float[a.getFloatsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getFloats(i);
        }
        return v;
    }

    TensorProto getTensor(String name) {
        AttributeProto a = get(name);
        return a == null ? null : a.getT();
    }

    /** Names of attributes present on the node that no converter code looked at. */
    List<String> unread() {
        return byName.keySet().stream().filter(n -> !read.contains(n)).toList();
    }

    /** Names of all attributes present on the node. */
    Set<String> names() {
        return byName.keySet();
    }

    private AttributeProto get(String name) {
        read.add(name);
        return byName.get(name);
    }
}
