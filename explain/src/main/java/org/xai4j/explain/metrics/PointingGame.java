package org.xai4j.explain.metrics;

/**
 * The pointing game: a hit when the map's maximum lies on the object or within {@code tolerance}
 * pixels of it (15 at the input resolution). Zhang et al., "Top-down Neural Attention by
 * Excitation Backprop", ECCV 2016 / IJCV 2018, section 5.1. Ties (a constant map, a flat top) are
 * broken uniformly at random and the hit is reported as its expectation: the share of the tied
 * maxima that hit, so a constant map scores the chance level (the share of the image within the
 * tolerance of the object) rather than whatever the first pixel happens to be.
 *
 * <p>Its energy form: the share of the map's positive energy inside the box, {@code sum_{p in box}
 * max(m_p, 0) / sum_p max(m_p, 0)}. Wang et al., "Score-CAM", CVPRW 2020, section 5.2.
 */
public final class PointingGame {
    private PointingGame() {}

    public static final int DEFAULT_TOLERANCE = 15;

    /** Against an object mask (1 = object) of the map's size. */
    public static double hit(Plane map, Plane objectMask, int tolerance) {
        objectMask.requireSize(map.H(), map.W(), "the object mask");
        if (tolerance < 0) {
            throw new IllegalArgumentException("the tolerance must be 0 or more pixels, got " + tolerance);
        }
        java.util.List<int[]> boundary = boundary(objectMask);
        double max = map.max();
        long tied = 0, hits = 0;
        for (int p = 0; p < map.v().length; p++) {
            if (map.v()[p] == max) {
                tied++;
                if (distance(objectMask, boundary, p / map.W(), p % map.W()) <= tolerance) {
                    hits++;
                }
            }
        }
        return (double) hits / tied;
    }

    /** Against a box, as the boxes of a detection set are given. */
    public static double hit(Plane map, Box box, int tolerance) {
        return hit(map, mask(box, map.H(), map.W()), tolerance);
    }

    /** The share of positive energy inside the box; 0 for a map with no positive value. */
    public static double energy(Plane map, Box box) {
        return energy(map, mask(box, map.H(), map.W()));
    }

    /** The share of positive energy on the object's mask (1 = object); 0 for a map with no positive value. */
    public static double energy(Plane map, Plane objectMask) {
        objectMask.requireSize(map.H(), map.W(), "the object mask");
        double inside = 0, all = 0;
        for (int i = 0; i < map.v().length; i++) {
            double e = Math.max(map.v()[i], 0);
            all += e;
            inside += objectMask.v()[i] > 0 ? e : 0;
        }
        return all > 0 ? inside / all : 0;
    }

    static Plane mask(Box box, int H, int W) {
        double[] v = new double[H * W];
        for (int y = Math.max(0, box.y0()); y < Math.min(H, box.y1()); y++) {
            for (int x = Math.max(0, box.x0()); x < Math.min(W, box.x1()); x++) {
                v[y * W + x] = 1;
            }
        }
        return new Plane(H, W, v);
    }

    /** The object pixels with a background (or image-edge) neighbour: the nearest object pixel is one of them. */
    private static java.util.List<int[]> boundary(Plane mask) {
        int H = mask.H(), W = mask.W();
        java.util.List<int[]> boundary = new java.util.ArrayList<>();
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (mask.at(y, x) > 0 && (x == 0 || y == 0 || x == W - 1 || y == H - 1
                        || mask.at(y, x - 1) <= 0 || mask.at(y, x + 1) <= 0 || mask.at(y - 1, x) <= 0 || mask.at(y + 1, x) <= 0)) {
                    boundary.add(new int[] {y, x});
                }
            }
        }
        if (boundary.isEmpty()) {
            throw new IllegalArgumentException("the object mask is empty");
        }
        return boundary;
    }

    /** Euclidean distance from (y, x) to the object: 0 on it. */
    private static double distance(Plane mask, java.util.List<int[]> boundary, int y, int x) {
        if (mask.at(y, x) > 0) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int[] b : boundary) {
            double dy = y - b[0], dx = x - b[1];
            best = Math.min(best, dy * dy + dx * dx);
        }
        return Math.sqrt(best);
    }
}
