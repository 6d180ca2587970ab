package org.xai4j.train.shapes;

/**
 * The textured, cluttered ground under each object: one of three textures between two random
 * colours, per-pixel noise, then a few short strokes that are no shape class (open line segments,
 * thinner than any object's part).
 *
 * <p>Textures blend colour {@code c1} into {@code c2} by a field {@code t(x, y)} in [0, 1]:
 * <ul>
 *   <li>{@code NOISE}: value noise, random values on a {@code (g + 1) x (g + 1)} lattice
 *       ({@code g} 2 to 6 cells across) interpolated with smoothstep weights (soft blobs);</li>
 *   <li>{@code GRADIENT}: linear along a random direction;</li>
 *   <li>{@code STRIPES}: {@code 0.5 + 0.5 clamp(k sin(2 pi p / P + phase), -1, 1)}, p along a
 *       random direction, period P 4 to 16 pixels at 64, hardness k 1 to 4 (soft to square).</li>
 * </ul>
 * Then each channel gets uniform noise of a random amplitude up to 0.08, and 0 to
 * {@code maxStrokes} strokes of random colour (length 5% to 20% of the image, half-width 0.4 to 1
 * pixel at 64) are drawn with coverage {@code clamp(w + 0.5 - d, 0, 1)}, d the distance from the
 * pixel centre to the segment. Values are linear in [0, 1] and may leave it by the noise; the
 * quantisation clamps.
 */
final class Backgrounds {
    private Backgrounds() {}

    /** The two colours the texture blends (the object's colour keeps away from the segment between them). */
    record Palette(double[] c1, double[] c2) {}

    private static final int KINDS = 3;
    private static final double MAX_NOISE = 0.08;

    /** Paints {@code planes} ([3, size, size], all of it) from {@code rng}. */
    static Palette paint(double[] planes, int size, Random64 rng, int maxStrokes) {
        double[] c1 = colour(rng);
        double[] c2 = colour(rng);
        double[] t = switch (rng.nextInt(KINDS)) {
            case 0 -> valueNoise(size, rng);
            case 1 -> gradient(size, rng);
            default -> stripes(size, rng);
        };
        int plane = size * size;
        double amplitude = rng.uniform(0, MAX_NOISE);
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < plane; p++) {
                planes[c * plane + p] = c1[c] + t[p] * (c2[c] - c1[c]) + amplitude * (2 * rng.nextDouble() - 1);
            }
        }
        int strokes = rng.nextInt(maxStrokes + 1);
        double scale = size / 64.0;
        for (int s = 0; s < strokes; s++) {
            double x0 = rng.uniform(0, size), y0 = rng.uniform(0, size);
            double length = rng.uniform(0.05, 0.2) * size;
            double angle = rng.uniform(0, 2 * Math.PI);
            double w = rng.uniform(0.4, 1.0) * scale;
            double[] colour = colour(rng);
            stroke(planes, size, x0, y0, x0 + length * StrictMath.cos(angle), y0 + length * StrictMath.sin(angle), w, colour);
        }
        return new Palette(c1, c2);
    }

    static double[] colour(Random64 rng) {
        return new double[] {rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
    }

    private static double[] valueNoise(int size, Random64 rng) {
        int g = 2 + rng.nextInt(5);
        double[] lattice = new double[(g + 1) * (g + 1)];
        for (int k = 0; k < lattice.length; k++) {
            lattice[k] = rng.nextDouble();
        }
        double[] t = new double[size * size];
        for (int y = 0; y < size; y++) {
            double fy = (y + 0.5) * g / size;
            int iy = (int) fy;
            double wy = smoothstep(fy - iy);
            for (int x = 0; x < size; x++) {
                double fx = (x + 0.5) * g / size;
                int ix = (int) fx;
                double wx = smoothstep(fx - ix);
                double top = lattice[iy * (g + 1) + ix] * (1 - wx) + lattice[iy * (g + 1) + ix + 1] * wx;
                double bottom = lattice[(iy + 1) * (g + 1) + ix] * (1 - wx) + lattice[(iy + 1) * (g + 1) + ix + 1] * wx;
                t[y * size + x] = top * (1 - wy) + bottom * wy;
            }
        }
        return t;
    }

    private static double smoothstep(double f) {
        return f * f * (3 - 2 * f);
    }

    private static double[] gradient(int size, Random64 rng) {
        double angle = rng.uniform(0, 2 * Math.PI);
        double dx = StrictMath.cos(angle), dy = StrictMath.sin(angle);
        double half = size / 2.0;
        // |p| <= size / sqrt(2) for every pixel centre, so t stays in [0, 1].
        double norm = 1 / (size * Math.sqrt(2));
        double[] t = new double[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double p = (x + 0.5 - half) * dx + (y + 0.5 - half) * dy;
                t[y * size + x] = 0.5 + p * norm;
            }
        }
        return t;
    }

    private static double[] stripes(int size, Random64 rng) {
        double angle = rng.uniform(0, 2 * Math.PI);
        double period = rng.uniform(4, 16) * size / 64.0;
        double phase = rng.uniform(0, 2 * Math.PI);
        double hardness = rng.uniform(1, 4);
        double dx = StrictMath.cos(angle) * 2 * Math.PI / period, dy = StrictMath.sin(angle) * 2 * Math.PI / period;
        double[] t = new double[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double s = hardness * StrictMath.sin((x + 0.5) * dx + (y + 0.5) * dy + phase);
                t[y * size + x] = 0.5 + 0.5 * Math.max(-1, Math.min(1, s));
            }
        }
        return t;
    }

    /** A segment of half-width {@code w}, antialiased by the distance from each pixel centre. */
    private static void stroke(double[] planes, int size, double xa, double ya, double xb, double yb, double w, double[] colour) {
        double reach = w + 0.5;
        int x0 = Math.max(0, (int) Math.floor(Math.min(xa, xb) - reach)), x1 = Math.min(size - 1, (int) Math.floor(Math.max(xa, xb) + reach));
        int y0 = Math.max(0, (int) Math.floor(Math.min(ya, yb) - reach)), y1 = Math.min(size - 1, (int) Math.floor(Math.max(ya, yb) + reach));
        double ex = xb - xa, ey = yb - ya, length2 = ex * ex + ey * ey;
        int plane = size * size;
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double px = x + 0.5 - xa, py = y + 0.5 - ya;
                double along = length2 == 0 ? 0 : Math.max(0, Math.min(1, (px * ex + py * ey) / length2));
                double qx = px - along * ex, qy = py - along * ey;
                double a = Math.max(0, Math.min(1, reach - Math.sqrt(qx * qx + qy * qy)));
                if (a > 0) {
                    for (int c = 0; c < 3; c++) {
                        int p = c * plane + y * size + x;
                        planes[p] += a * (colour[c] - planes[p]);
                    }
                }
            }
        }
    }
}
