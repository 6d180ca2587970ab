package org.xai4j.explain.image;

import java.util.OptionalDouble;

/**
 * Whether two methods gave the same map, so that a figure can say so once instead of drawing the
 * same panel twice: CAM and Grad-CAM at the layer before global average pooling and a linear
 * classifier are the same map up to the factor 1 / (h w) (Selvaraju et al., section 3.1).
 * <pre>
 *   same(a, b)  iff  max_i | a_i / max|a| - b_i / max|b| | <= tolerance,   then b = s a, s = max|b| / max|a|
 * </pre>
 * A positive factor changes no picture (each is drawn from its own range), so it is reported, not
 * hidden: {@code s} is what the second map's colour bar numbers are, times the first's.
 */
public final class SameMaps {
    private SameMaps() {}

    /** {@code s > 0} with {@code b = s a} within {@code tolerance} of the largest magnitude, or empty. */
    public static OptionalDouble scale(double[] a, double[] b, double tolerance) {
        if (a.length != b.length) {
            return OptionalDouble.empty();
        }
        double ma = maxAbs(a);
        double mb = maxAbs(b);
        if (ma == 0 || mb == 0) {
            return ma == mb ? OptionalDouble.of(1) : OptionalDouble.empty();
        }
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] / ma - b[i] / mb) <= tolerance)) {
                return OptionalDouble.empty();
            }
        }
        return OptionalDouble.of(mb / ma);
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
