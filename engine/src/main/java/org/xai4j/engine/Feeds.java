package org.xai4j.engine;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Checks that every graph input is fed with an array of an accepted shape. */
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
    }

    static String describe(long[] shape) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ",").append(shape[i] < 0 ? "N" : Long.toString(shape[i]));
        }
        return s.append("]").toString();
    }
}
