package org.xai4j.explain.inside;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Hooks;
import org.xai4j.explain.ActivationGradient;
import org.xai4j.explain.image.Colormap;

/**
 * A node's activation for one input, taken by a forward hook during an ordinary inference pass,
 * and chosen channels of it as a grid of pictures (Zeiler and Fergus 2014; Yosinski et al. 2015's
 * "live" view). The hook copies the activation; the pass frees everything else as usual.
 */
public final class FeatureMaps {
    private FeatureMaps() {}

    /** How the channels share a colour scale. */
    public enum Scale {
        /** One scale, the min and max over the channels shown: channels compare with each other (default). */
        SHARED,
        /** Each channel min-max scaled on its own: every map's pattern is visible, its strength is not. */
        CHANNEL
    }

    /** The activation [N, K, h, w] of {@code node} for {@code x}, and the graph's outputs. */
    public record Capture(INDArray activation, Map<String, INDArray> outputs) {}

    /** One pass of {@code x}; a forward hook on {@code node} keeps a copy of its output. */
    public static Capture capture(Graph graph, INDArray x, String node) {
        String name = graph.resolve(node);
        String input = ActivationGradient.inputOf(graph);
        if (name.equals(input)) {
            return new Capture(x, graph.run(Map.of(input, x), graph.outputs()));
        }
        AtomicReference<INDArray> seen = new AtomicReference<>();
        Hooks hook = Hooks.NONE.forward(graph.named(name), (n, y) -> {
            seen.set(y.dup());
            return null;
        });
        Map<String, INDArray> outputs = graph.run(Map.of(input, x), graph.outputs(), hook);
        return new Capture(seen.get(), outputs);
    }

    /** Channels {@code channels} of row 0 of {@code a} [N, K, h, w] as a titled grid with a colour bar. */
    public static BufferedImage grid(String title, INDArray a, List<Integer> channels, Scale scale, Colormap colormap, int tile) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException("feature maps need an activation [N, K, h, w], got rank " + a.rank()
                    + " " + java.util.Arrays.toString(a.shape()) + "; choose a convolutional layer");
        }
        long K = a.size(1);
        for (int c : channels) {
            if (c < 0 || c >= K) {
                throw new IllegalArgumentException("channel " + c + " is out of range: the layer has " + K + " channels (0.." + (K - 1) + ")");
            }
        }
        double[] shared = new double[2];
        List<Grid.Tile> tiles = tiles(a, channels, scale, colormap, shared);
        int columns = (int) Math.ceil(Math.sqrt(channels.size()));
        Grid.ColourBar bar = scale == Scale.SHARED ? new Grid.ColourBar(colormap, shared[0], shared[1]) : new Grid.ColourBar(colormap, 0, 1);
        return Grid.of(title, tiles, columns, Math.max(64, Math.min(160, 640 / columns)), bar);
    }

    /**
     * One h x w picture per chosen channel of row 0, labelled by the channel; {@code shared}
     * receives the min and max over the channels shown (the colour bar's range in SHARED).
     */
    static List<Grid.Tile> tiles(INDArray a, List<Integer> channels, Scale scale, Colormap colormap, double[] shared) {
        int h = (int) a.size(2);
        int w = (int) a.size(3);
        double[] v = Flat.read(a.slice(0));
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int c : channels) {
            for (int i = 0; i < h * w; i++) {
                lo = Math.min(lo, v[c * h * w + i]);
                hi = Math.max(hi, v[c * h * w + i]);
            }
        }
        shared[0] = lo;
        shared[1] = hi;
        List<Grid.Tile> tiles = new ArrayList<>();
        for (int c : channels) {
            double[] range = {lo, hi};
            if (scale == Scale.CHANNEL) {
                range = new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
                for (int i = 0; i < h * w; i++) {
                    range[0] = Math.min(range[0], v[c * h * w + i]);
                    range[1] = Math.max(range[1], v[c * h * w + i]);
                }
            }
            BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int i = 0; i < h * w; i++) {
                im.setRGB(i % w, i / w, colormap.rgb(Filters.scale(v[c * h * w + i], range)));
            }
            tiles.add(new Grid.Tile(scale == Scale.CHANNEL ? String.format(java.util.Locale.ROOT, "%d (max %.3g)", c, range[1]) : Integer.toString(c), im));
        }
        return tiles;
    }
}
