package org.xai4j.explain.inside;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.explain.image.Colormap;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Specialization;

/**
 * A convolution's filters as pictures (Krizhevsky et al. 2012, Fig. 3; Zeiler and Fergus 2014).
 * W [K, C/G, R, S]: when each filter reads three channels of the graph input it is drawn in
 * colour, each filter min-max scaled over its own 3 x R x S values; any other filter is averaged
 * over its C/G input channels (a depthwise filter has one) and drawn in grey, min-max scaled on
 * its own R x S values, or on all filters together when the kernel is 1x1 (one value each).
 */
public final class Filters {
    private Filters() {}

    /** The filters of one convolution, as tiles, and how they were drawn. */
    public record Picture(String node, String describe, boolean colour, int shown, int filters, BufferedImage image) {}

    /** The convolution nodes in execution order. */
    public static List<String> convolutions(Graph graph) {
        return graph.nodes().stream().filter(n -> Specialization.reference(n.layer()) instanceof Conv2d).map(Node::name).toList();
    }

    /** The first convolution, the default of {@code xai4j filters}. */
    public static String first(Graph graph) {
        List<String> c = convolutions(graph);
        if (c.isEmpty()) {
            throw new IllegalArgumentException("the model has no convolution");
        }
        return c.get(0);
    }

    /**
     * The first {@code max} filters of {@code node} as a titled grid. {@code bgr}: the input's
     * channels are blue, green, red (Caffe preprocessing), so colour filters are drawn reversed.
     */
    public static Picture draw(Graph graph, String node, int max, boolean bgr, int tile) {
        Node n = graph.node(node);
        // Imported graphs carry faster forms of a convolution (pointwise, depthwise): the weights are their reference's.
        if (!(Specialization.reference(n.layer()) instanceof Conv2d conv)) {
            throw new IllegalArgumentException("node '" + node + "' is " + n.layer().describe() + ", not a convolution; convolutions: "
                    + abbreviate(convolutions(graph)));
        }
        INDArray w = conv.weight().castTo(DataType.DOUBLE).dup('c');
        long[] s = w.shape();
        int K = (int) s[0];
        int C = (int) s[1];
        int R = (int) s[2];
        int S = (int) s[3];
        boolean colour = C == 3 && conv.spec().groups() == 1 && n.inputs().size() == 1 && graph.isInput(n.inputs().get(0));
        int shown = Math.min(K, max);
        List<Grid.Tile> tiles = tiles(w, colour, shown, bgr);
        boolean shared = !colour && R * S == 1;
        String how = colour ? "RGB, each filter min-max scaled" : (C > 1 ? "mean over " + C + " input channels, " : "")
                + (shared ? "grey, one scale for all" : "grey, each filter min-max scaled");
        String title = n.name() + ": " + conv.describe() + (shown < K ? " (first " + shown + " of " + K + ")" : "") + "; " + how;
        int columns = (int) Math.ceil(Math.sqrt(shown * 1.5));
        return new Picture(n.name(), conv.describe(), colour, shown, K, Grid.of(title, tiles, columns, tile, null));
    }

    /**
     * The first {@code shown} filters of W [K, C, R, S] as R x S pictures labelled by their index:
     * {@code colour} (C = 3) each filter min-max scaled over its 3 x R x S values, else the mean
     * over C in grey, min-max scaled per filter (over all shown when R x S = 1).
     */
    static List<Grid.Tile> tiles(INDArray w, boolean colour, int shown, boolean bgr) {
        long[] s = w.shape();
        int C = (int) s[1];
        int R = (int) s[2];
        int S = (int) s[3];
        double[] v = Flat.read(w);
        List<Grid.Tile> tiles = new ArrayList<>();
        double[] shared = null;
        if (!colour && R * S == 1) {
            shared = new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
            for (int k = 0; k < shown; k++) {
                double m = mean(v, k, C, 0, R * S);
                shared[0] = Math.min(shared[0], m);
                shared[1] = Math.max(shared[1], m);
            }
        }
        for (int k = 0; k < shown; k++) {
            BufferedImage im = new BufferedImage(S, R, BufferedImage.TYPE_INT_RGB);
            int base = k * C * R * S;
            if (colour) {
                double[] range = range(v, base, 3 * R * S);
                for (int i = 0; i < R * S; i++) {
                    int rgb = 0;
                    for (int c = 0; c < 3; c++) {
                        int from = bgr ? 2 - c : c;
                        rgb = rgb << 8 | byteOf(scale(v[base + from * R * S + i], range));
                    }
                    im.setRGB(i % S, i / S, rgb);
                }
            } else {
                double[] m = new double[R * S];
                for (int i = 0; i < R * S; i++) {
                    m[i] = mean(v, k, C, i, R * S);
                }
                double[] range = shared != null ? shared : range(m, 0, m.length);
                for (int i = 0; i < R * S; i++) {
                    im.setRGB(i % S, i / S, Colormap.GRAY.rgb(scale(m[i], range)));
                }
            }
            tiles.add(new Grid.Tile(Integer.toString(k), im));
        }
        return tiles;
    }

    private static double mean(double[] v, int k, int C, int i, int RS) {
        double sum = 0;
        for (int c = 0; c < C; c++) {
            sum += v[(k * C + c) * RS + i];
        }
        return sum / C;
    }

    private static double[] range(double[] v, int from, int count) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + count; i++) {
            lo = Math.min(lo, v[i]);
            hi = Math.max(hi, v[i]);
        }
        return new double[] {lo, hi};
    }

    /** {@code (v - min) / (max - min)}; a constant filter is drawn mid-grey. */
    static double scale(double v, double[] range) {
        return range[1] > range[0] ? (v - range[0]) / (range[1] - range[0]) : 0.5;
    }

    static int byteOf(double t) {
        return (int) Math.round(255 * Math.min(Math.max(t, 0), 1));
    }

    static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
    }
}
