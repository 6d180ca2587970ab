package org.xai4j.explain.inside;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;
import org.xai4j.engine.RectifierRule;
import org.xai4j.engine.Tape;
import org.xai4j.explain.ActivationGradient;
import org.xai4j.explain.BackwardRules;

/**
 * One unit projected back to pixel space (Zeiler and Fergus 2014, Sec. 2.1 and Fig. 2): keep the
 * strongest activation of a channel's map, zero every other activation of the layer, and pass
 * that map down with the deconvnet rules: rectifiers pass {@code relu(signal)}, max pooling
 * unpools through the switches its forward recorded, convolutions apply their transposed
 * filters (their input-gradient rule).
 * <pre>
 *   seed[b, k, i, j] = a[b, c, y_b, x_b] if (k, i, j) = (c, y_b, x_b), else 0,   (y_b, x_b) = argmax a[b, c]
 *   projection[b]    = the backward of seed to the input under BackwardRules.deconvnet   [B, C, H, W]
 * </pre>
 * Each row is seeded at its own maximum; rows do not mix (inference-mode layers).
 */
public final class DeconvnetProjection {
    private DeconvnetProjection() {}

    /** The projections [B, C, H, W] and, per row, the unit kept: its activation and position in the layer. */
    public record Result(INDArray pixels, double[] activation, int[] y, int[] x) {}

    /** For each row of {@code x} [B, C, H, W], the maximum of channel {@code channel} of {@code node}, projected back. */
    public static Result of(Graph graph, INDArray x, String node, int channel) {
        String name = graph.resolve(node);
        String input = ActivationGradient.inputOf(graph);
        // Name the node too: a compiled plan would otherwise run through it without keeping its value.
        try (Tape tape = graph.forward(Map.of(input, x), List.of(input, name),
                BackwardRules.hooks(RectifierRule.DECONVNET, BackwardRules.Activations.RELU_AND_RELU6))) {
            INDArray a = tape.value(name);
            if (a.rank() != 4) {
                throw new IllegalArgumentException("a deconvnet projection needs feature maps [N, K, h, w]; node '" + name + "' gave "
                        + java.util.Arrays.toString(a.shape()));
            }
            int B = (int) a.size(0);
            int K = (int) a.size(1);
            int h = (int) a.size(2);
            int w = (int) a.size(3);
            if (channel < 0 || channel >= K) {
                throw new IllegalArgumentException("channel " + channel + " is out of range: node '" + name + "' has " + K + " channels (0.." + (K - 1) + ")");
            }
            double[] v = Flat.read(a);
            double[] seed = new double[v.length];
            double[] kept = new double[B];
            int[] ys = new int[B];
            int[] xs = new int[B];
            for (int b = 0; b < B; b++) {
                int base = (b * K + channel) * h * w;
                int best = 0;
                for (int i = 1; i < h * w; i++) {
                    if (v[base + i] > v[base + best]) {
                        best = i;
                    }
                }
                // The unit's own value is the signal (Zeiler and Fergus feed the activation, not 1);
                // a negative maximum would be zeroed by the first rectifier anyway.
                seed[base + best] = v[base + best];
                kept[b] = v[base + best];
                ys[b] = best / w;
                xs[b] = best % w;
            }
            INDArray dy = Nd4j.create(seed, a.shape(), 'c').castTo(a.dataType());
            INDArray g = tape.backward(name, dy, List.of(input)).get(input);
            return new Result(g.dup(), kept, ys, xs);
        }
    }

    /**
     * Row {@code b} of a projection as a colour picture, each channel scaled by one factor around
     * grey: {@code 0.5 + 0.5 p / max|p|}, so the sign and the relative strength of the colours
     * stay; {@code bgr}: the input's channels are blue, green, red.
     */
    public static BufferedImage picture(INDArray pixels, int b, boolean bgr) {
        int C = (int) pixels.size(1);
        int H = (int) pixels.size(2);
        int W = (int) pixels.size(3);
        double[] p = Flat.read(pixels.slice(b));
        double max = 0;
        for (double d : p) {
            max = Math.max(max, Math.abs(d));
        }
        BufferedImage im = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < H * W; i++) {
            int rgb = 0;
            for (int c = 0; c < 3; c++) {
                int from = C < 3 ? 0 : bgr ? 2 - c : c;
                double t = max > 0 ? 0.5 + 0.5 * p[from * H * W + i] / max : 0.5;
                rgb = rgb << 8 | Filters.byteOf(t);
            }
            im.setRGB(i % W, i / W, rgb);
        }
        return im;
    }
}
