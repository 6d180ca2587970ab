package org.xai4j.explain.image;

import java.util.Arrays;
import org.xai4j.explain.Maps;

/**
 * How map values become colour positions in [0, 1]: clamp to the {@code [low, high]}
 * percentiles of the map, then scale linearly. {@link #minMax()} is (0, 100); (1, 99) is a common
 * choice for gradient maps, whose few extreme values would otherwise leave the rest dark.
 */
public record Normalization(double lowPercentile, double highPercentile) {

    public Normalization {
        if (!(0 <= lowPercentile && lowPercentile <= highPercentile && highPercentile <= 100)) {
            throw new IllegalArgumentException("percentiles must satisfy 0 <= low <= high <= 100, got "
                    + lowPercentile + ", " + highPercentile);
        }
    }

    public static Normalization minMax() {
        return new Normalization(0, 100);
    }

    public static Normalization percentiles(double low, double high) {
        return new Normalization(low, high);
    }

    /** The values mapped to [0, 1]; a constant map becomes all 0. */
    public double[] apply(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double lo = Maps.percentile(sorted, lowPercentile);
        double hi = Maps.percentile(sorted, highPercentile);
        double[] t = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            t[i] = hi > lo ? (Math.min(Math.max(values[i], lo), hi) - lo) / (hi - lo) : 0;
        }
        return t;
    }
}
