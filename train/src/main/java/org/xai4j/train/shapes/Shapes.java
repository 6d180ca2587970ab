package org.xai4j.train.shapes;

import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The synthetic shapes set: sample {@code i} is one object of a {@link ShapeClass} at a random
 * radius, position, rotation and colour over a textured, cluttered {@link Backgrounds background},
 * with its mask and box known, and optionally the Clever Hans {@link Mark}.
 *
 * <p>Sample {@code i} is a function of (seed, i) alone (its own {@link Random64} streams, double
 * arithmetic and {@code StrictMath}), so it is the same to the bit on every machine, thread count
 * and order of access: a set of any size is streamed in bounded memory, and any subset regenerated.
 * Sets drawn with different seeds are independent (train on one seed, test on another).
 *
 * <p>Per sample, each from its own stream:
 * <ol>
 *   <li>label: within each block of {@code K} consecutive indices ({@code K} classes) every class
 *       once, in a random order, so any {@code K}-aligned range is exactly balanced;</li>
 *   <li>background (texture, colours, noise, strokes);</li>
 *   <li>object: radius uniform in {@code [minRadius, maxRadius] * size}, centre uniform where the
 *       disc of that radius lies 1 pixel inside the image and clear of the four corner zones
 *       (rejection), angle uniform in [0, 2 pi), colour uniform in the RGB cube at distance 0.3 or
 *       more from the segment between the background's two colours (rejection). None of these
 *       reads the label: colour, size, place and angle are independent of the class;</li>
 *   <li>mark code: the label ({@code AGREES}) or uniform over the classes ({@code RANDOM}).</li>
 * </ol>
 *
 * <p>Coverage and mask: each pixel's coverage is the share of a 4 x 4 grid of points inside the
 * object (points at offsets (k + 0.5) / 4); the pixel becomes {@code (1 - a) background + a colour}
 * and belongs to the mask when {@code a >= 1/2} (8 or more of the 16 points): the pixels the object
 * covers at least half of. The box is the mask's extent. Pixels are quantised to 8 bits
 * ({@code round(255 v)}, clamped), so the float batch equals its PNG read back, divided by 255.
 */
public final class Shapes {
    private static final long LABEL = 1, BACKGROUND = 2, OBJECT = 3, MARK = 4;
    private static final int GRID = 4;
    private static final int HALF_COVERED = GRID * GRID / 2;
    private static final double MIN_CONTRAST = 0.3;
    private static final int TRIES = 1000;

    private final long seed;
    private final ShapesSpec spec;

    public Shapes(long seed, ShapesSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("shapes: no spec");
        }
        this.seed = seed;
        this.spec = spec;
    }

    /** The default set ({@link ShapesSpec#DEFAULT}) with the mark mode {@code mark}. */
    public static Shapes of(long seed, Mark mark) {
        return new Shapes(seed, ShapesSpec.DEFAULT.withMark(mark));
    }

    public long seed() {
        return seed;
    }

    public ShapesSpec spec() {
        return spec;
    }

    /** The class names in label order (what {@code labels.txt} holds). */
    public List<String> labels() {
        return spec.classes().stream().map(ShapeClass::name).toList();
    }

    /** The label of sample {@code i}, without drawing the image. */
    public int label(int i) {
        checkIndex(i);
        int k = spec.classes().size();
        Random64 rng = new Random64(seed, i / k, LABEL);
        int[] order = new int[k];
        for (int j = 0; j < k; j++) {
            order[j] = j;
        }
        for (int j = k - 1; j > 0; j--) {
            int swap = rng.nextInt(j + 1);
            int keep = order[j];
            order[j] = order[swap];
            order[swap] = keep;
        }
        return order[i % k];
    }

    /** The code of sample {@code i}'s mark, or -1 when the set has none. */
    public int markCode(int i) {
        return switch (spec.mark()) {
            case NONE -> -1;
            case AGREES -> label(i);
            case RANDOM -> new Random64(seed, i, MARK).nextInt(spec.classes().size());
        };
    }

    /** Sample {@code i} (any {@code i >= 0}). */
    public ShapeSample sample(int i) {
        int label = label(i);
        int n = spec.size();
        double[] planes = new double[3 * n * n];
        Backgrounds.Palette palette = Backgrounds.paint(planes, n, new Random64(seed, i, BACKGROUND), spec.maxStrokes());

        Random64 rng = new Random64(seed, i, OBJECT);
        double r = rng.uniform(spec.minRadius(), spec.maxRadius()) * n;
        double[] centre = place(rng, r);
        double angle = rng.uniform(0, 2 * Math.PI);
        double[] colour = objectColour(rng, palette);
        byte[] mask = new byte[n * n];
        paintObject(planes, mask, spec.classes().get(label), centre[0], centre[1], r, angle, colour);

        int code = markCode(i);
        int[] markBox = code < 0 ? null : paintMark(planes, code);

        byte[] rgb = new byte[planes.length];
        for (int p = 0; p < planes.length; p++) {
            rgb[p] = (byte) (int) (Math.max(0, Math.min(1, planes[p])) * 255 + 0.5);
        }
        int[] box = extent(mask, n);
        if (box[0] >= box[2]) {
            throw new IllegalStateException("shapes: class '" + spec.classes().get(label).name() + "' covers no pixel at radius "
                    + r + " (sample " + i + "); a region must cover at least half a pixel at the smallest radius");
        }
        return new ShapeSample(i, label, n, rgb, mask, box, code, markBox,
                new ShapeSample.Placement(centre[0], centre[1], r, angle, colour));
    }

    /**
     * The samples {@code indices} as a float32 batch {@code [N, 3, size, size]} in [0, 1] (the
     * 8-bit values / 255); preprocessing is the consumer's ({@link ShapesSource} applies one).
     */
    public INDArray pixels(int... indices) {
        int n = spec.size();
        long count = (long) indices.length * 3 * n * n;
        if (indices.length == 0 || count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shapes: a batch of " + indices.length + " images of " + n + "x" + n
                    + " refused; accepted: 1 to " + Integer.MAX_VALUE / (3L * n * n) + " images");
        }
        float[] data = new float[(int) count];
        for (int b = 0; b < indices.length; b++) {
            byte[] rgb = sample(indices[b]).rgb();
            int offset = b * rgb.length;
            for (int p = 0; p < rgb.length; p++) {
                data[offset + p] = (rgb[p] & 0xFF) / 255f;
            }
        }
        return Nd4j.create(data, new long[] {indices.length, 3, n, n}, DataType.FLOAT);
    }

    /**
     * Writes samples 0 to {@code count - 1} under {@code dir}: {@code images/*.png},
     * {@code masks/*.png}, {@code boxes.json}, {@code labels.txt} and more ({@link ShapesFiles}).
     */
    public void writeTo(Path dir, int count) {
        ShapesFiles.write(this, dir, count);
    }

    private void checkIndex(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("shapes: sample index " + i + " refused; accepted: 0 or more");
        }
    }

    /** A centre where the disc of radius r lies 1 pixel inside the image and outside every corner zone. */
    private double[] place(Random64 rng, double r) {
        int n = spec.size();
        int zone = spec.cornerZone();
        for (int t = 0; t < TRIES; t++) {
            double cx = rng.uniform(r + 1, n - r - 1), cy = rng.uniform(r + 1, n - r - 1);
            // The nearest corner zone: the disc stays out of it when the nearest point of the zone
            // square is at least r away (the zones are the squares [0, zone) at each corner).
            double dx = Math.max(0, Math.min(cx, n - cx) - zone), dy = Math.max(0, Math.min(cy, n - cy) - zone);
            if (dx * dx + dy * dy >= r * r) {
                return new double[] {cx, cy};
            }
        }
        // ShapesSpec checks that the centre of the image holds the largest disc; never reached in practice.
        return new double[] {n / 2.0, n / 2.0};
    }

    private static double[] objectColour(Random64 rng, Backgrounds.Palette palette) {
        double[] colour = Backgrounds.colour(rng);
        for (int t = 1; t < TRIES && distanceToSegment(colour, palette.c1(), palette.c2()) < MIN_CONTRAST; t++) {
            colour = Backgrounds.colour(rng);
        }
        return colour;
    }

    private static double distanceToSegment(double[] p, double[] a, double[] b) {
        double dot = 0, length2 = 0;
        for (int c = 0; c < 3; c++) {
            dot += (p[c] - a[c]) * (b[c] - a[c]);
            length2 += (b[c] - a[c]) * (b[c] - a[c]);
        }
        double s = length2 == 0 ? 0 : Math.max(0, Math.min(1, dot / length2));
        double d2 = 0;
        for (int c = 0; c < 3; c++) {
            double q = p[c] - a[c] - s * (b[c] - a[c]);
            d2 += q * q;
        }
        return Math.sqrt(d2);
    }

    private void paintObject(double[] planes, byte[] mask, ShapeClass shape,
                             double cx, double cy, double r, double angle, double[] colour) {
        ShapeClass.Region region = shape.region();
        int n = spec.size();
        int plane = n * n;
        double cos = StrictMath.cos(angle), sin = StrictMath.sin(angle);
        // A pixel whose centre is farther than r + sqrt(2)/2 from the centre has no point in the disc.
        double reach = r + Math.sqrt(0.5);
        // A pixel whose centre is within inner * r - sqrt(2)/2 has every point in the inner disc.
        double solid = Math.max(0, shape.inner() * r - Math.sqrt(0.5));
        int x0 = Math.max(0, (int) Math.floor(cx - r)), x1 = Math.min(n - 1, (int) Math.floor(cx + r));
        int y0 = Math.max(0, (int) Math.floor(cy - r)), y1 = Math.min(n - 1, (int) Math.floor(cy + r));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double ex = x + 0.5 - cx, ey = y + 0.5 - cy;
                double d2 = ex * ex + ey * ey;
                if (d2 > reach * reach) {
                    continue;
                }
                int hits = 0;
                if (d2 < solid * solid) {
                    hits = GRID * GRID;
                } else {
                    for (int a = 0; a < GRID; a++) {
                        double py = y + (a + 0.5) / GRID - cy;
                        for (int b = 0; b < GRID; b++) {
                            double px = x + (b + 0.5) / GRID - cx;
                            // Into the object's frame: rotate by -angle, scale by 1/r.
                            if (region.contains((px * cos + py * sin) / r, (py * cos - px * sin) / r)) {
                                hits++;
                            }
                        }
                    }
                }
                if (hits > 0) {
                    double a = hits / (double) (GRID * GRID);
                    for (int c = 0; c < 3; c++) {
                        int p = c * plane + y * n + x;
                        planes[p] += a * (colour[c] - planes[p]);
                    }
                    mask[y * n + x] = hits >= HALF_COVERED ? (byte) 1 : 0;
                }
            }
        }
    }

    /** Paints the checkerboard of {@code code} (see {@link Mark}) and returns its box. */
    private int[] paintMark(double[] planes, int code) {
        int n = spec.size(), m = spec.markSize(), inset = spec.markInset();
        int corner = code % 4;
        int x0 = corner == 0 || corner == 3 ? inset : n - inset - m;
        int y0 = corner == 0 || corner == 1 ? inset : n - inset - m;
        double[] colour = hue(code / (double) spec.classes().size());
        int cell = Math.max(1, m / 3);
        for (int y = y0; y < y0 + m; y++) {
            for (int x = x0; x < x0 + m; x++) {
                boolean lit = ((x - x0) / cell + (y - y0) / cell) % 2 == 0;
                for (int c = 0; c < 3; c++) {
                    planes[c * n * n + y * n + x] = lit ? colour[c] : 0;
                }
            }
        }
        return new int[] {x0, y0, x0 + m, y0 + m};
    }

    /** Full saturation and value at hue {@code h} in [0, 1): 0 red, 1/6 yellow, 1/3 green, 1/2 cyan, 2/3 blue, 5/6 magenta. */
    static double[] hue(double h) {
        double s = 6 * h;
        int sector = (int) s;
        double f = s - sector;
        return switch (sector % 6) {
            case 0 -> new double[] {1, f, 0};
            case 1 -> new double[] {1 - f, 1, 0};
            case 2 -> new double[] {0, 1, f};
            case 3 -> new double[] {0, 1 - f, 1};
            case 4 -> new double[] {f, 0, 1};
            default -> new double[] {1, 0, 1 - f};
        };
    }

    /** {@code [x0, y0, x1, y1]} of the non-zero entries, x1 and y1 exclusive. */
    private static int[] extent(byte[] mask, int n) {
        int x0 = n, y0 = n, x1 = 0, y1 = 0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                if (mask[y * n + x] != 0) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x + 1);
                    y1 = Math.max(y1, y + 1);
                }
            }
        }
        return new int[] {x0, y0, x1, y1};
    }
}
