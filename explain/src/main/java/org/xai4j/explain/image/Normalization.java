package org.xai4j.explain.image;

import java.util.Arrays;
import org.xai4j.explain.Maps;

/**
 * How map values become colour positions in [0, 1]: find the value {@link Range} from the
 * {@code [low, high]} percentiles of the map, clamp to it, then scale linearly.
 * {@link #minMax()} is (0, 100); (1, 99) is a common choice for gradient maps, whose few extreme
 * values would otherwise leave the rest dark. A {@code centred} normalization is for signed maps
 * drawn in a diverging colour map: its range is {@code [-m, m]} with
 * {@code m = max(|P_low|, |P_high|)}, so that 0 always lands on t = 0.5 and the sign is kept.
 */
public record Normalization(double lowPercentile, double highPercentile, boolean centred) {

    public Normalization {
        if (!(0 <= lowPercentile && lowPercentile <= highPercentile && highPercentile <= 100)) {
            throw new IllegalArgumentException("percentiles must satisfy 0 <= low <= high <= 100, got "
                    + lowPercentile + ", " + highPercentile);
        }
    }

    public Normalization(double lowPercentile, double highPercentile) {
        this(lowPercentile, highPercentile, false);
    }

    public static Normalization minMax() {
        return new Normalization(0, 100);
    }

    public static Normalization percentiles(double low, double high) {
        return new Normalization(low, high);
    }

    /** For signed maps: the symmetric range {@code [-m, m]}, m from the two percentiles' magnitudes. */
    public static Normalization centred(double low, double high) {
        return new Normalization(low, high, true);
    }

    /**
     * The values that map to t = 0 and t = 1 (what a colour bar shows at its ends).
     *
     * @param centred whether 0 is the middle, t = 0.5 (then {@code low = -high})
     */
    public record Range(double low, double high, boolean centred) {
        /** The colour position of {@code v}: clamped, scaled; a range of one value gives 0 (0.5 when centred). */
        public double t(double v) {
            if (!(high > low)) {
                return centred ? 0.5 : 0;
            }
            return (Math.min(Math.max(v, low), high) - low) / (high - low);
        }

        /** The value at colour position {@code t} in [0, 1]. */
        public double valueAt(double t) {
            return low + t * (high - low);
        }
    }

    /** The range of {@code values} under this normalization. */
    public Range range(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double lo = Maps.percentile(sorted, lowPercentile);
        double hi = Maps.percentile(sorted, highPercentile);
        if (centred) {
            double m = Math.max(Math.abs(lo), Math.abs(hi));
            return new Range(-m, m, true);
        }
        return new Range(lo, hi, false);
    }

    /** The values mapped to [0, 1]; a constant map becomes all 0 (all 0.5 when centred). */
    public double[] apply(double[] values) {
        Range r = range(values);
        double[] t = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            t[i] = r.t(values[i]);
        }
        return t;
    }
}
