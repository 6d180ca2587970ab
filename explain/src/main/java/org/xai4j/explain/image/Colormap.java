package org.xai4j.explain.image;

/**
 * Colour maps from a value {@code t} in [0, 1] to a packed RGB colour: matplotlib's {@code jet}
 * (its piecewise-linear segment table evaluated at t; matplotlib first samples it into 256
 * entries, so its colours differ by up to one 255th) and {@code viridis} (every 15th entry of its
 * 256-colour table, linearly interpolated: within 0.02 per channel of the full table), and gray.
 */
public enum Colormap {
    JET, VIRIDIS, GRAY;

    // matplotlib _jet_data: (x, value) break points per channel.
    private static final double[][] JET_RED = {{0, 0}, {0.35, 0}, {0.66, 1}, {0.89, 1}, {1, 0.5}};
    private static final double[][] JET_GREEN = {{0, 0}, {0.125, 0}, {0.375, 1}, {0.64, 1}, {0.91, 0}, {1, 0}};
    private static final double[][] JET_BLUE = {{0, 0.5}, {0.11, 1}, {0.34, 1}, {0.65, 0}, {1, 0}};

    // matplotlib _viridis_data rows 0, 15, 30, ..., 255.
    private static final double[][] VIRIDIS_TABLE = {
        {0.267004, 0.004874, 0.329415}, {0.281924, 0.089666, 0.412415}, {0.280255, 0.165693, 0.476498},
        {0.263663, 0.237631, 0.518762}, {0.237441, 0.305202, 0.541921}, {0.208623, 0.367752, 0.552675},
        {0.182256, 0.426184, 0.557120}, {0.159194, 0.482237, 0.558073}, {0.137770, 0.537492, 0.554906},
        {0.121148, 0.592739, 0.544641}, {0.128087, 0.647749, 0.523491}, {0.180653, 0.701402, 0.488189},
        {0.274149, 0.751988, 0.436601}, {0.395174, 0.797475, 0.367757}, {0.535621, 0.835785, 0.281908},
        {0.688944, 0.865448, 0.182725}, {0.845561, 0.887322, 0.099702}, {0.993248, 0.906157, 0.143936},
    };

    /** The colour of {@code t} (clamped to [0, 1]; NaN is drawn as 0) as 0xRRGGBB. */
    public int rgb(double t) {
        t = Double.isNaN(t) ? 0 : Math.min(Math.max(t, 0), 1);
        double r;
        double g;
        double b;
        switch (this) {
            case JET -> {
                r = segment(JET_RED, t);
                g = segment(JET_GREEN, t);
                b = segment(JET_BLUE, t);
            }
            case VIRIDIS -> {
                double pos = t * (VIRIDIS_TABLE.length - 1);
                int i = Math.min((int) pos, VIRIDIS_TABLE.length - 2);
                double f = pos - i;
                r = (1 - f) * VIRIDIS_TABLE[i][0] + f * VIRIDIS_TABLE[i + 1][0];
                g = (1 - f) * VIRIDIS_TABLE[i][1] + f * VIRIDIS_TABLE[i + 1][1];
                b = (1 - f) * VIRIDIS_TABLE[i][2] + f * VIRIDIS_TABLE[i + 1][2];
            }
            default -> {
                r = t;
                g = t;
                b = t;
            }
        }
        return byteOf(r) << 16 | byteOf(g) << 8 | byteOf(b);
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

    static int byteOf(double v) {
        return (int) Math.round(Math.min(Math.max(v, 0), 1) * 255);
    }
}
