package org.xai4j.train.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShapesTest {
    private static final int K = ShapeClass.DEFAULT.size();

    @Test
    void sameSeedSameBitsInAnyOrderOnAnyThreadCount() throws Exception {
        Shapes shapes = Shapes.of(3, Mark.AGREES);
        int count = 120;
        List<ShapeSample> forward = IntStream.range(0, count).mapToObj(shapes::sample).toList();
        List<ShapeSample> again = new ArrayList<>();
        for (int i = count - 1; i >= 0; i--) {
            again.add(0, new Shapes(3, ShapesSpec.DEFAULT.withMark(Mark.AGREES)).sample(i));
        }
        ForkJoinPool pool = new ForkJoinPool(4);
        try {
            List<ShapeSample> parallel = pool.submit(() -> IntStream.range(0, count).parallel().mapToObj(shapes::sample).toList()).get();
            for (int i = 0; i < count; i++) {
                assertSame(forward.get(i), again.get(i));
                assertSame(forward.get(i), parallel.get(i));
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void differentSeedsDiffer() {
        Shapes a = Shapes.of(1, Mark.NONE), b = Shapes.of(2, Mark.NONE);
        for (int i = 0; i < 50; i++) {
            assertFalse(Arrays.equals(a.sample(i).rgb(), b.sample(i).rgb()), "sample " + i);
        }
        assertFalse(Arrays.equals(a.sample(0).rgb(), a.sample(1).rgb()));
    }

    /**
     * The bits of seed 1, samples 0 to 99, as of this commit. Nothing in the generator depends on
     * the JDK or the machine (own SplitMix64, StrictMath, strict double arithmetic), so a change of
     * this digest means the set changed and the bundled models' training data with it.
     */
    @Test
    void digestOfTheDefaultSetIsFixed() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Shapes shapes = Shapes.of(1, Mark.AGREES);
        for (int i = 0; i < 100; i++) {
            ShapeSample s = shapes.sample(i);
            sha.update(s.rgb());
            sha.update(s.mask());
        }
        assertEquals(DIGEST, HexFormat.of().formatHex(sha.digest()));
    }

    private static final String DIGEST = "d3da84ee0a4055a89bf6004683dc6ad1459108c5f54f354e3242ac5e8b0263a2";

    @Test
    void boxIsTheMaskExtentAndTheObjectLiesInside() {
        for (Mark mark : Mark.values()) {
            Shapes shapes = Shapes.of(11, mark);
            int n = shapes.spec().size();
            for (int i = 0; i < 600; i++) {
                ShapeSample s = shapes.sample(i);
                int x0 = n, y0 = n, x1 = -1, y1 = -1, area = 0;
                for (int y = 0; y < n; y++) {
                    for (int x = 0; x < n; x++) {
                        int m = s.mask()[y * n + x];
                        assertTrue(m == 0 || m == 1, "mask values are 0 or 1");
                        if (m == 1) {
                            area++;
                            x0 = Math.min(x0, x);
                            y0 = Math.min(y0, y);
                            x1 = Math.max(x1, x + 1);
                            y1 = Math.max(y1, y + 1);
                        }
                    }
                }
                // The smallest object (a triangle of radius 0.15 * 64 = 9.6) covers about 120 pixels.
                assertTrue(area >= 50, "sample " + i + ": mask of " + area + " pixels");
                assertArrayEquals(new int[] {x0, y0, x1, y1}, s.box(), "sample " + i);
                // The object's disc keeps 1 pixel from every edge.
                assertTrue(x0 >= 1 && y0 >= 1 && x1 <= n - 1 && y1 <= n - 1, "sample " + i + " box " + Arrays.toString(s.box()));
            }
        }
    }

    /**
     * The mask against the placement, with this test's own transform from the documented pose:
     * a pixel whose 5 x 5 grid of points (corners included) all fall inside the region is fully
     * covered and must be in the mask; one whose grid is all outside must not be. Between the two
     * (boundary pixels) the 4 x 4 rule decides and the test asserts nothing.
     */
    @Test
    void maskFollowsThePlacement() {
        Shapes shapes = Shapes.of(5, Mark.NONE);
        int n = shapes.spec().size();
        for (int i = 0; i < 300; i++) {
            ShapeSample s = shapes.sample(i);
            ShapeSample.Placement p = s.placement();
            ShapeClass.Region region = ShapeClass.DEFAULT.get(s.label()).region();
            double cos = Math.cos(p.angle()), sin = Math.sin(p.angle());
            int inside = 0, outside = 0;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    int hits = 0;
                    for (int a = 0; a <= 4; a++) {
                        for (int b = 0; b <= 4; b++) {
                            double dx = x + b / 4.0 - p.cx(), dy = y + a / 4.0 - p.cy();
                            double u = (dx * cos + dy * sin) / p.radius();
                            double v = (-dx * sin + dy * cos) / p.radius();
                            hits += region.contains(u, v) ? 1 : 0;
                        }
                    }
                    if (hits == 25) {
                        inside++;
                        assertEquals(1, s.mask()[y * n + x], "sample " + i + " pixel " + x + "," + y + " is inside the object");
                    } else if (hits == 0) {
                        outside++;
                        assertEquals(0, s.mask()[y * n + x], "sample " + i + " pixel " + x + "," + y + " is outside the object");
                    }
                }
            }
            assertTrue(inside > 0 && outside > 0);
        }
    }

    @Test
    void objectPixelsCarryTheObjectColour() {
        Shapes shapes = Shapes.of(6, Mark.NONE);
        int n = shapes.spec().size();
        for (int i = 0; i < 200; i++) {
            ShapeSample s = shapes.sample(i);
            // Pixels with all 25 grid points inside hold exactly the quantised colour (coverage 1).
            int cx = (int) s.placement().cx(), cy = (int) s.placement().cy();
            if (s.label() == 4) {
                continue; // the ring's centre is the background
            }
            for (int c = 0; c < 3; c++) {
                int expected = (int) (s.placement().colour()[c] * 255 + 0.5);
                assertEquals(expected, s.value(c, cy, cx), "sample " + i + " channel " + c + " at the centre");
            }
        }
    }

    /** The inner disc each class declares (pixels in it skip the point tests) lies inside its region; the unit disc holds it. */
    @Test
    void innerDiscIsInsideAndTheOutlineInsideTheUnitDisc() {
        for (ShapeClass shape : ShapeClass.DEFAULT) {
            for (int k = 0; k < 3600; k++) {
                double angle = 2 * Math.PI * k / 3600;
                for (double f : new double[] {0.25, 0.5, 0.9, 0.999999}) {
                    double rho = shape.inner() * f;
                    if (rho > 0) {
                        assertTrue(shape.region().contains(rho * Math.cos(angle), rho * Math.sin(angle)), shape.name() + " at radius " + rho);
                    }
                }
                assertFalse(shape.region().contains(1.000001 * Math.cos(angle), 1.000001 * Math.sin(angle)), shape.name() + " beyond the unit disc");
            }
        }
    }

    @Test
    void classesAreBalancedInEveryAlignedBlock() {
        Shapes shapes = Shapes.of(9, Mark.NONE);
        int[] counts = new int[K];
        for (int block = 0; block < 1000; block++) {
            boolean[] seen = new boolean[K];
            for (int j = 0; j < K; j++) {
                int label = shapes.label(block * K + j);
                assertFalse(seen[label], "block " + block + " holds class " + label + " twice");
                seen[label] = true;
                counts[label]++;
            }
        }
        for (int c = 0; c < K; c++) {
            assertEquals(1000, counts[c]);
        }
        // The order within blocks varies: labels are not simply i mod K.
        assertTrue(IntStream.range(0, 60).anyMatch(i -> shapes.label(i) != i % K));
    }

    /** Colour, size, place and angle never read the label: the same with the class table reversed. */
    @Test
    void placementIsIndependentOfTheClass() {
        List<ShapeClass> reversed = new ArrayList<>(ShapeClass.DEFAULT);
        java.util.Collections.reverse(reversed);
        Shapes a = Shapes.of(4, Mark.NONE), b = new Shapes(4, ShapesSpec.DEFAULT.withClasses(reversed));
        for (int i = 0; i < 60; i++) {
            ShapeSample.Placement p = a.sample(i).placement(), q = b.sample(i).placement();
            assertEquals(p.cx(), q.cx());
            assertEquals(p.cy(), q.cy());
            assertEquals(p.radius(), q.radius());
            assertEquals(p.angle(), q.angle());
            assertArrayEquals(p.colour(), q.colour());
            assertEquals(a.sample(i).label(), b.sample(i).label());
            // Reversing six classes moves every one: the same pose, another outline.
            assertFalse(Arrays.equals(a.sample(i).mask(), b.sample(i).mask()), "sample " + i);
        }
    }

    @Test
    void markAgreesWithTheLabelInTraining() {
        Shapes shapes = Shapes.of(12, Mark.AGREES);
        int n = shapes.spec().size();
        for (int i = 0; i < 600; i++) {
            ShapeSample s = shapes.sample(i);
            assertEquals(s.label(), s.markCode());
            int[] m = s.markBox();
            assertEquals(6, m[2] - m[0]);
            assertEquals(6, m[3] - m[1]);
            int corner = s.label() % 4;
            assertEquals(corner == 0 || corner == 3, m[0] < n / 2, "corner " + corner);
            assertEquals(corner == 0 || corner == 1, m[1] < n / 2, "corner " + corner);
            // The top-left cell is the code's hue, the next cell black.
            double[] hue = Shapes.hue(s.label() / (double) K);
            for (int c = 0; c < 3; c++) {
                assertEquals((int) (hue[c] * 255 + 0.5), s.value(c, m[1], m[0]));
                assertEquals(0, s.value(c, m[1], m[0] + 2));
            }
        }
    }

    /**
     * At test time the code is independent of the label. Chi-square on the 6 x 6 table of 6000
     * samples, 25 degrees of freedom: the 0.999 quantile is 52.62, so an independent draw fails
     * this bound once in a thousand seeds (and this seed is fixed); a code tied to the label gives
     * about 6000 * 5 = 30000.
     */
    @Test
    void markIsIndependentOfTheLabelAtTestTime() {
        Shapes shapes = Shapes.of(13, Mark.RANDOM);
        int count = 6000;
        long[][] table = new long[K][K];
        for (int i = 0; i < count; i++) {
            table[shapes.label(i)][shapes.markCode(i)]++;
        }
        double chi2 = 0;
        for (int a = 0; a < K; a++) {
            for (int b = 0; b < K; b++) {
                double row = Arrays.stream(table[a]).sum(), column = 0;
                for (int r = 0; r < K; r++) {
                    column += table[r][b];
                }
                double expected = row * column / count;
                chi2 += (table[a][b] - expected) * (table[a][b] - expected) / expected;
            }
        }
        assertTrue(chi2 < 52.62, "chi-square " + chi2 + " of " + Arrays.deepToString(table));
        // Agreement is at chance: 1/6 of 6000 = 1000, standard deviation 29; 5 deviations allowed.
        long agree = IntStream.range(0, count).filter(i -> shapes.label(i) == shapes.markCode(i)).count();
        assertTrue(Math.abs(agree - 1000) < 145, agree + " of 6000 marks agree with the label");
        assertEquals(shapes.label(17), shapes.sample(17).label());
        assertEquals(shapes.markCode(17), shapes.sample(17).markCode());
    }

    /** The mark never touches the object, in any corner, and the unmarked image is the marked one without the mark. */
    @Test
    void markNeverOverlapsTheObjectAndIsAllThatDiffers() {
        Shapes none = Shapes.of(14, Mark.NONE), agrees = Shapes.of(14, Mark.AGREES), random = Shapes.of(14, Mark.RANDOM);
        int n = none.spec().size();
        int zone = none.spec().cornerZone();
        for (int i = 0; i < 600; i++) {
            ShapeSample plain = none.sample(i);
            assertEquals(-1, plain.markCode());
            assertNull(plain.markBox());
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    boolean inCornerZone = (x < zone || x >= n - zone) && (y < zone || y >= n - zone);
                    if (inCornerZone && plain.mask()[y * n + x] != 0) {
                        fail("sample " + i + ": object pixel " + x + "," + y + " in a corner zone");
                    }
                }
            }
            for (Shapes marked : List.of(agrees, random)) {
                ShapeSample s = marked.sample(i);
                assertArrayEquals(plain.mask(), s.mask());
                assertArrayEquals(plain.box(), s.box());
                int[] m = s.markBox();
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < n; y++) {
                        for (int x = 0; x < n; x++) {
                            boolean onMark = x >= m[0] && x < m[2] && y >= m[1] && y < m[3];
                            if (!onMark && plain.value(c, y, x) != s.value(c, y, x)) {
                                fail("sample " + i + ": pixel " + x + "," + y + " differs off the mark");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void sizeIsAParameter() {
        for (int size : new int[] {16, 32, 96, 224}) {
            Shapes shapes = new Shapes(2, ShapesSpec.DEFAULT.withSize(size).withMark(Mark.AGREES));
            for (int i = 0; i < 30; i++) {
                ShapeSample s = shapes.sample(i);
                assertEquals(3 * size * size, s.rgb().length);
                int[] box = s.box(), mark = s.markBox();
                assertTrue(box[0] >= 1 && box[2] <= size - 1 && box[2] > box[0], size + ": " + Arrays.toString(box));
                // Boxes may overlap diagonally (a disc clear of the corner square); pixels never do.
                for (int y = mark[1]; y < mark[3]; y++) {
                    for (int x = mark[0]; x < mark[2]; x++) {
                        assertEquals(0, s.mask()[y * size + x], size + ": object pixel " + x + "," + y + " under the mark");
                    }
                }
            }
        }
    }

    @Test
    void settingsOutOfRangeAreRefusedWithTheAcceptedRange() {
        ShapesSpec spec = ShapesSpec.DEFAULT;
        assertMessage("accepted: 16 to 1024", () -> spec.withSize(8));
        assertMessage("accepted: 16 to 1024", () -> spec.withSize(100_000));
        assertMessage("appears twice", () -> spec.withClasses(List.of(ShapeClass.DEFAULT.get(0), ShapeClass.DEFAULT.get(0))));
        assertMessage("at least 2 classes", () -> spec.withClasses(List.of(ShapeClass.DEFAULT.get(0))));
        assertMessage("too large", () -> spec.withRadius(0.2, 0.49));
        assertMessage("minRadius", () -> spec.withRadius(Double.NaN, 0.3));
        assertMessage("mark size", () -> spec.withMarkSize(20));
        assertMessage("accepted: 0 or more", () -> Shapes.of(0, Mark.NONE).sample(-1));
        assertMessage("accepted: 1 to", () -> Shapes.of(0, Mark.NONE).pixels());
    }

    @Test
    void pixelsAreTheBytesOver255() {
        Shapes shapes = Shapes.of(8, Mark.RANDOM);
        var x = shapes.pixels(5, 0, 5);
        assertArrayEquals(new long[] {3, 3, 64, 64}, x.shape());
        ShapeSample s = shapes.sample(5);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 64; y += 7) {
                for (int xx = 0; xx < 64; xx += 5) {
                    assertEquals(s.value(c, y, xx) / 255f, x.getFloat(0, c, y, xx));
                    assertEquals(s.value(c, y, xx) / 255f, x.getFloat(2, c, y, xx));
                }
            }
        }
        assertEquals(shapes.sample(0).value(1, 10, 10) / 255f, x.getFloat(1, 1, 10, 10));
    }

    private static void assertSame(ShapeSample a, ShapeSample b) {
        assertEquals(a.index(), b.index());
        assertEquals(a.label(), b.label());
        assertArrayEquals(a.rgb(), b.rgb(), "sample " + a.index());
        assertArrayEquals(a.mask(), b.mask(), "sample " + a.index());
        assertArrayEquals(a.box(), b.box());
        assertEquals(a.markCode(), b.markCode());
        assertArrayEquals(a.markBox(), b.markBox());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
