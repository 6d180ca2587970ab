package org.xai4j.engine;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Checks that every graph input is fed with a finite array of an accepted shape. */
final class Feeds {
    private Feeds() {}

    static void check(Graph graph, Map<String, INDArray> feeds) {
        for (Graph.Input in : graph.inputs()) {
            INDArray x = feeds.get(in.name());
            if (x == null) {
                throw new IllegalArgumentException("graph input '" + in.name() + "' was not fed; feeds: " + feeds.keySet());
            }
            if (in.shape() == null) {
                continue;
            }
            long[] s = x.shape();
            boolean ok = s.length == in.shape().length;
            for (int i = 0; ok && i < s.length; i++) {
                ok = in.shape()[i] < 0 || in.shape()[i] == s[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("input '" + in.name() + "' expects shape " + describe(in.shape())
                        + ", got " + Arrays.toString(s));
            }
        }
        // ReLU and max pooling turn NaN into ordinary numbers, so a NaN input would come out as a
        // confident class; an answer computed from non-finite values must be an error instead.
        for (Graph.Input in : graph.inputs()) {
            Finite.check(feeds.get(in.name()), "input '" + in.name() + "'", "inputs must be finite numbers");
        }
    }

    static Map<String, long[]> shapes(Map<String, INDArray> feeds) {
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        feeds.forEach((name, x) -> shapes.put(name, x.shape()));
        return shapes;
    }

    /** Bytes per value of the pass: its widest feed (float32 4, float64 8). */
    static int bytesPerValue(Map<String, INDArray> feeds) {
        int width = 4;
        for (INDArray x : feeds.values()) {
            width = Math.max(width, x.dataType().width());
        }
        return width;
    }

    static String describe(long[] shape) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ",").append(shape[i] < 0 ? "N" : Long.toString(shape[i]));
        }
        return s.append("]").toString();
    }
}
