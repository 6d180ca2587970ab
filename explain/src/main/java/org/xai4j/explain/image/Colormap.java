package org.xai4j.explain.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Colour maps from a value {@code t} in [0, 1] to a packed RGB colour, under matplotlib's names.
 * Sequential maps, for values of one sign (CAM maps, |gradient|): {@code jet} (matplotlib's
 * piecewise-linear segment table evaluated at t; matplotlib first samples it into 256 entries, so
 * its colours differ by up to one 255th), {@code turbo}, {@code viridis}, {@code inferno} and
 * {@code gray}. Diverging maps, for signed values drawn with 0 at t = 0.5: {@code rdbu_r}
 * (ColorBrewer's 11 RdBu colours, reversed so that negative is blue and positive red, white in
 * the middle; exact) and {@code coolwarm} (Moreland's, grey in the middle).
 *
 * <p>The 256-entry tables (turbo, viridis, inferno) are kept as every 15th entry, coolwarm's
 * 33-point segment table as every other point, linearly interpolated: within 0.023 (turbo,
 * viridis, inferno) and 0.029 (coolwarm) per channel of matplotlib's full tables.
 */
public enum Colormap {
    JET(false), TURBO(false), VIRIDIS(false), INFERNO(false), GRAY(false), RDBU_R(true), COOLWARM(true);

    private final boolean diverging;

    Colormap(boolean diverging) {
        this.diverging = diverging;
    }

    // matplotlib _jet_data: (x, value) break points per channel.
    private static final double[][] JET_RED = {{0, 0}, {0.35, 0}, {0.66, 1}, {0.89, 1}, {1, 0.5}};
    private static final double[][] JET_GREEN = {{0, 0}, {0.125, 0}, {0.375, 1}, {0.64, 1}, {0.91, 0}, {1, 0}};
    private static final double[][] JET_BLUE = {{0, 0.5}, {0.11, 1}, {0.34, 1}, {0.65, 0}, {1, 0}};

    // matplotlib _turbo_data rows 0, 15, 30, ..., 255.
    private static final double[][] TURBO_TABLE = {
        {0.189950, 0.071760, 0.232170}, {0.248300, 0.241430, 0.612860}, {0.275090, 0.400720, 0.866920},
        {0.268780, 0.549950, 0.993030}, {0.186250, 0.697750, 0.954980}, {0.100260, 0.829550, 0.813890},
        {0.135260, 0.921970, 0.665560}, {0.320060, 0.979740, 0.476540}, {0.546580, 0.999070, 0.295810},
        {0.715770, 0.968750, 0.208150}, {0.858680, 0.886550, 0.212300}, {0.960490, 0.771810, 0.228110},
        {0.996540, 0.631930, 0.187380}, {0.975450, 0.457400, 0.113050}, {0.910240, 0.295990, 0.048140},
        {0.807990, 0.177530, 0.016600}, {0.664490, 0.084360, 0.004240}, {0.479600, 0.015830, 0.010550},
    };

    // matplotlib _viridis_data rows 0, 15, 30, ..., 255.
    private static final double[][] VIRIDIS_TABLE = {
        {0.267004, 0.004874, 0.329415}, {0.281924, 0.089666, 0.412415}, {0.280255, 0.165693, 0.476498},
        {0.263663, 0.237631, 0.518762}, {0.237441, 0.305202, 0.541921}, {0.208623, 0.367752, 0.552675},
        {0.182256, 0.426184, 0.557120}, {0.159194, 0.482237, 0.558073}, {0.137770, 0.537492, 0.554906},
        {0.121148, 0.592739, 0.544641}, {0.128087, 0.647749, 0.523491}, {0.180653, 0.701402, 0.488189},
        {0.274149, 0.751988, 0.436601}, {0.395174, 0.797475, 0.367757}, {0.535621, 0.835785, 0.281908},
        {0.688944, 0.865448, 0.182725}, {0.845561, 0.887322, 0.099702}, {0.993248, 0.906157, 0.143936},
    };

    // matplotlib _inferno_data rows 0, 15, 30, ..., 255.
    private static final double[][] INFERNO_TABLE = {
        {0.001462, 0.000466, 0.013866}, {0.037668, 0.025921, 0.132232}, {0.116656, 0.047574, 0.272321},
        {0.217949, 0.036615, 0.383522}, {0.316282, 0.053490, 0.425116}, {0.410113, 0.087896, 0.433098},
        {0.503493, 0.121575, 0.423356}, {0.596940, 0.154848, 0.398125}, {0.688653, 0.192239, 0.357603},
        {0.775059, 0.239667, 0.303526}, {0.851384, 0.302260, 0.239636}, {0.912966, 0.381636, 0.169755},
        {0.956852, 0.475356, 0.094695}, {0.981895, 0.579392, 0.026250}, {0.987464, 0.690366, 0.079990},
        {0.973088, 0.805409, 0.216877}, {0.947594, 0.917399, 0.410665}, {0.988362, 0.998364, 0.644924},
    };

    // ColorBrewer RdBu (11 classes) from its blue end to its red end: matplotlib's RdBu_r.
    private static final double[][] RDBU_R_TABLE = rgb255(
        0x053061, 0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7, 0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B, 0x67001F);

    // matplotlib _coolwarm_data at x = 0, 1/16, ..., 1 (every other of its 33 points).
    private static final double[][] COOLWARM_TABLE = {
        {0.229806, 0.298718, 0.753683}, {0.303869, 0.406535, 0.844959}, {0.383013, 0.509419, 0.917388},
        {0.466667, 0.604563, 0.968155}, {0.552953, 0.688929, 0.995376}, {0.639176, 0.759600, 0.998151},
        {0.722193, 0.813953, 0.976575}, {0.798692, 0.849786, 0.931689}, {0.865395, 0.865410, 0.865396},
        {0.924128, 0.827385, 0.774508}, {0.958853, 0.769768, 0.678008}, {0.969954, 0.694267, 0.579375},
        {0.958003, 0.602842, 0.481776}, {0.923945, 0.497309, 0.387970}, {0.869187, 0.378313, 0.300267},
        {0.795632, 0.241284, 0.220526}, {0.705673, 0.015556, 0.150233},
    };

    /** Whether the map is meant for signed values, with 0 at its middle (t = 0.5). */
    public boolean diverging() {
        return diverging;
    }

    /** The name on the command line: matplotlib's, in lower case ("rdbu_r"). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The map called {@code name} (any case), or a one-line error listing them all. */
    public static Colormap named(String name) {
        for (Colormap c : values()) {
            if (c.cliName().equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown colour map '" + name + "'; accepted: " + names());
    }

    /** "jet, turbo, viridis, inferno, gray, rdbu_r, coolwarm". */
    public static String names() {
        return Arrays.stream(values()).map(Colormap::cliName).collect(Collectors.joining(", "));
    }

    /** The colour of {@code t} (clamped to [0, 1]; NaN is drawn as 0) as 0xRRGGBB. */
    public int rgb(double t) {
        t = Double.isNaN(t) ? 0 : Math.min(Math.max(t, 0), 1);
        double[] c = switch (this) {
            case JET -> new double[] {segment(JET_RED, t), segment(JET_GREEN, t), segment(JET_BLUE, t)};
            case TURBO -> table(TURBO_TABLE, t);
            case VIRIDIS -> table(VIRIDIS_TABLE, t);
            case INFERNO -> table(INFERNO_TABLE, t);
            case RDBU_R -> table(RDBU_R_TABLE, t);
            case COOLWARM -> table(COOLWARM_TABLE, t);
            case GRAY -> new double[] {t, t, t};
        };
        return byteOf(c[0]) << 16 | byteOf(c[1]) << 8 | byteOf(c[2]);
    }

    /** Colours at equally spaced t = 0, 1/(n-1), ..., 1, linearly interpolated. */
    private static double[] table(double[][] rows, double t) {
        double pos = t * (rows.length - 1);
        int i = Math.min((int) pos, rows.length - 2);
        double f = pos - i;
        double[] c = new double[3];
        for (int k = 0; k < 3; k++) {
            c[k] = (1 - f) * rows[i][k] + f * rows[i + 1][k];
        }
        return c;
    }

    private static double segment(double[][] points, double t) {
        for (int i = 1; i < points.length; i++) {
            if (t <= points[i][0]) {
                double f = (t - points[i - 1][0]) / (points[i][0] - points[i - 1][0]);
                return points[i - 1][1] + f * (points[i][1] - points[i - 1][1]);
            }
        }
        return points[points.length - 1][1];
    }

    private static double[][] rgb255(int... colours) {
        double[][] rows = new double[colours.length][];
        for (int i = 0; i < colours.length; i++) {
            rows[i] = new double[] {(colours[i] >> 16 & 0xff) / 255.0, (colours[i] >> 8 & 0xff) / 255.0, (colours[i] & 0xff) / 255.0};
        }
        return rows;
    }

    static int byteOf(double v) {
        return (int) Math.round(Math.min(Math.max(v, 0), 1) * 255);
    }
}
