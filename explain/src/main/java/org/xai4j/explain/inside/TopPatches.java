package org.xai4j.explain.inside;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;

/**
 * Dataset search for the images that excite a channel most (Zeiler and Fergus 2014, Fig. 2;
 * Olah et al. 2017's "dataset examples"): batches of images go through the network and, per
 * chosen channel, a min-heap keeps the k best by the channel's mean or maximum, with the
 * position of its maximum. Memory is k entries per channel and one batch of activations,
 * whatever the number of images; the caller crops the receptive field of the maximum from the
 * original photo ({@link ReceptiveField#region}).
 */
public final class TopPatches {

    /** How a channel's map is scored: its mean (how much of the image) or its maximum (the best spot). */
    public enum Rank { MEAN, MAX }

    /** One image's score for one channel; {@code item} is the caller's (a file name), {@code y, x} the maximum in the layer. */
    public record Hit<T>(T item, double score, int y, int x) {}

    private final String node;
    private final List<Integer> channels;
    private final int k;
    private final Rank rank;
    private final Map<Integer, PriorityQueue<Hit<Object>>> heaps = new LinkedHashMap<>();
    private long seen;

    public TopPatches(Graph graph, String node, List<Integer> channels, int k, Rank rank) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        this.node = graph.resolve(node);
        this.channels = List.copyOf(channels);
        this.k = k;
        this.rank = rank;
        for (int c : channels) {
            heaps.put(c, new PriorityQueue<>(Comparator.comparingDouble(Hit::score)));
        }
    }

    public String node() {
        return node;
    }

    /** Scores the rows of an activation a [B, K, h, w] of {@link #node()} for {@code items} (one per row). */
    public void add(INDArray a, List<?> items) {
        if (a.rank() != 4 || a.size(0) != items.size()) {
            throw new IllegalArgumentException("top patches need feature maps [B, K, h, w] with one row per image; node '" + node
                    + "' gave " + java.util.Arrays.toString(a.shape()) + " for " + items.size() + " images");
        }
        int K = (int) a.size(1);
        int h = (int) a.size(2);
        int w = (int) a.size(3);
        for (int c : channels) {
            if (c < 0 || c >= K) {
                throw new IllegalArgumentException("channel " + c + " is out of range: node '" + node + "' has " + K + " channels (0.." + (K - 1) + ")");
            }
        }
        double[] v = Flat.read(a);
        for (int b = 0; b < items.size(); b++) {
            for (int c : channels) {
                int base = (b * K + c) * h * w;
                int best = 0;
                double sum = 0;
                for (int i = 0; i < h * w; i++) {
                    sum += v[base + i];
                    if (v[base + i] > v[base + best]) {
                        best = i;
                    }
                }
                double score = rank == Rank.MEAN ? sum / (h * w) : v[base + best];
                PriorityQueue<Hit<Object>> heap = heaps.get(c);
                if (heap.size() < k) {
                    heap.add(new Hit<>(items.get(b), score, best / w, best % w));
                } else if (score > heap.peek().score()) {
                    heap.poll();
                    heap.add(new Hit<>(items.get(b), score, best / w, best % w));
                }
            }
            seen++;
        }
    }

    /** Images scored so far. */
    public long seen() {
        return seen;
    }

    /** Per channel, the best hits so far, best first. */
    @SuppressWarnings("unchecked")
    public <T> Map<Integer, List<Hit<T>>> best() {
        Map<Integer, List<Hit<T>>> out = new LinkedHashMap<>();
        heaps.forEach((c, heap) -> {
            List<Hit<T>> l = new ArrayList<>();
            heap.forEach(h -> l.add((Hit<T>) h));
            l.sort(Comparator.comparingDouble((Hit<T> h) -> h.score()).reversed());
            out.put(c, l);
        });
        return out;
    }
}
