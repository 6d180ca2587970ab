package org.xai4j.explain.metrics;

import java.util.ArrayDeque;

/**
 * Weakly supervised localization: the pixels at or above {@code threshold x max(map)}, their
 * largest 8-connected component, and its bounding box. Zhou et al., "Learning Deep Features for
 * Discriminative Localization", CVPR 2016, section 3 (threshold 20% of the maximum).
 */
public final class Localization {
    private Localization() {}

    public static final double DEFAULT_THRESHOLD = 0.2;

    /** The box of the largest component; a tie goes to the component met first in row order. */
    public static Box box(Plane map, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be in (0, 1] (a fraction of the map's maximum), got " + threshold);
        }
        double max = map.max();
        if (!(max > 0)) {
            throw new IllegalArgumentException("the map has no positive value (max " + max + "): nothing to localize");
        }
        int H = map.H(), W = map.W();
        double cut = threshold * max;
        int[] component = new int[H * W];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int label = 0;
        Box best = null;
        long bestSize = 0;
        for (int start = 0; start < H * W; start++) {
            if (component[start] != 0 || map.v()[start] < cut) {
                continue;
            }
            label++;
            component[start] = label;
            queue.add(start);
            long size = 0;
            int x0 = W, y0 = H, x1 = -1, y1 = -1;
            while (!queue.isEmpty()) {
                int p = queue.poll();
                int y = p / W, x = p % W;
                size++;
                x0 = Math.min(x0, x); x1 = Math.max(x1, x);
                y0 = Math.min(y0, y); y1 = Math.max(y1, y);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
                            int q = yy * W + xx;
                            if (component[q] == 0 && map.v()[q] >= cut) {
                                component[q] = label;
                                queue.add(q);
                            }
                        }
                    }
                }
            }
            if (size > bestSize) {
                bestSize = size;
                best = new Box(x0, y0, x1 + 1, y1 + 1);
            }
        }
        return best;
    }

    /** Correct localization (CorLoc): the share of boxes with IoU at least 0.5 against the truth. */
    public static double corLoc(double[] ious) {
        if (ious.length == 0) {
            throw new IllegalArgumentException("CorLoc of no boxes");
        }
        long hits = java.util.Arrays.stream(ious).filter(iou -> iou >= 0.5).count();
        return (double) hits / ious.length;
    }
}
