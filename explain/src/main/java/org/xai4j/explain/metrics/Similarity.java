package org.xai4j.explain.metrics;

import java.util.Arrays;

/**
 * How alike two maps are, as the sanity checks of Adebayo et al. ("Sanity Checks for Saliency
 * Maps", NeurIPS 2018, section 3) compare a map with the map of a randomized model: Spearman rank
 * correlation (of the absolute and of the signed values), the structural similarity index and the
 * similarity of their histograms of oriented gradients ({@link Hog}).
 */
public final class Similarity {
    private Similarity() {}

    /** Spearman's rho: Pearson's correlation of the ranks, ties given their average rank. */
    public static double spearman(Plane a, Plane b) {
        a.requireSize(b.H(), b.W(), "the first map");
        return pearson(ranks(a.v()), ranks(b.v()));
    }

    /** Spearman's rho of |a| and |b|. */
    public static double spearmanAbs(Plane a, Plane b) {
        return spearman(abs(a), abs(b));
    }

    /**
     * SSIM (Wang et al., IEEE TIP 2004, eq. 13) of the two maps each min-max scaled to [0, 1]
     * (data range 1, K1 = 0.01, K2 = 0.03), with an 11 x 11 Gaussian window of sigma 1.5 (eq. 14;
     * smaller, odd, for maps under 11 pixels a side), averaged over the positions where the window
     * fits inside the map.
     */
    public static double ssim(Plane a, Plane b) {
        a.requireSize(b.H(), b.W(), "the first map");
        double[] x = unit(a.v()), y = unit(b.v());
        int H = a.H(), W = a.W();
        int taps = Math.min(11, Math.min(H, W) % 2 == 1 ? Math.min(H, W) : Math.min(H, W) - 1);
        double[] w = new double[taps * taps];
        double sum = 0;
        for (int i = 0; i < taps; i++) {
            for (int j = 0; j < taps; j++) {
                double di = i - taps / 2, dj = j - taps / 2;
                w[i * taps + j] = Math.exp(-(di * di + dj * dj) / (2 * 1.5 * 1.5));
                sum += w[i * taps + j];
            }
        }
        double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03, total = 0;
        int count = 0;
        for (int y0 = 0; y0 + taps <= H; y0++) {
            for (int x0 = 0; x0 + taps <= W; x0++) {
                double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                for (int i = 0; i < taps; i++) {
                    for (int j = 0; j < taps; j++) {
                        double k = w[i * taps + j] / sum;
                        double u = x[(y0 + i) * W + x0 + j], v = y[(y0 + i) * W + x0 + j];
                        mx += k * u; my += k * v; xx += k * u * u; yy += k * v * v; xy += k * u * v;
                    }
                }
                double vx = xx - mx * mx, vy = yy - my * my, cov = xy - mx * my;
                total += (2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                count++;
            }
        }
        return total / count;
    }

    /** Pearson's correlation of the two maps' HOG descriptors. */
    public static double hog(Plane a, Plane b) {
        a.requireSize(b.H(), b.W(), "the first map");
        return pearson(Hog.of(unit(a.v()), a.H(), a.W()), Hog.of(unit(b.v()), b.H(), b.W()));
    }

    /** Pearson's correlation; 0 when either side is constant (no linear relation to speak of). */
    static double pearson(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0), mb = Arrays.stream(b).average().orElse(0);
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
    }

    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> Double.compare(v[p], v[q]));
        double[] rank = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            double average = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                rank[idx[k]] = average;
            }
            i = j + 1;
        }
        return rank;
    }

    private static Plane abs(Plane p) {
        return new Plane(p.H(), p.W(), Arrays.stream(p.v()).map(Math::abs).toArray());
    }

    static double[] unit(double[] v) {
        double min = Arrays.stream(v).min().orElse(0), max = Arrays.stream(v).max().orElse(0);
        return Arrays.stream(v).map(t -> max > min ? (t - min) / (max - min) : 0).toArray();
    }
}
