package org.xai4j.train.shapes;

import java.util.List;

/**
 * One class of the shapes set: a name, the region its object covers, in unit coordinates, and the
 * radius of a disc about the centre that lies wholly inside the region.
 *
 * <p>A region is a point test {@code contains(u, v)} on the plane of the object before it is
 * placed: the object lies inside the unit disc {@code u^2 + v^2 <= 1}, centred at the origin,
 * {@code u} to the right and {@code v} down. {@link Shapes} scales the disc to the object's
 * radius in pixels, rotates and moves it, and estimates each pixel's coverage from 4 x 4 point
 * tests; pixels within the disc of radius {@code inner} skip the tests (a speed-up only: they
 * would find all 16 points inside). Adding a class is one line in {@link #DEFAULT} (or a list of one's own in
 * {@link ShapesSpec#withClasses}); the class index is the position in the list.
 */
public record ShapeClass(String name, double inner, Region region) {

    /** The points of an object in unit coordinates; must be thread-safe (it is called from many threads). */
    @FunctionalInterface
    public interface Region {
        boolean contains(double u, double v);
    }

    // Every outline touches the unit circle, so the radius a sample draws is the object's real extent.
    private static final double SQUARE_HALF_SIDE = Math.sqrt(0.5);
    private static final double CROSS_HALF_WIDTH = 0.3;
    private static final double CROSS_HALF_LENGTH = Math.sqrt(1 - CROSS_HALF_WIDTH * CROSS_HALF_WIDTH);
    private static final double RING_INNER = 0.6;
    private static final double STAR_INNER = 0.45;

    /** The classes of the bundled set, in label order (circle = 0, ..., star = 5). */
    public static final List<ShapeClass> DEFAULT = List.of(
            new ShapeClass("circle", 1, (u, v) -> u * u + v * v <= 1),
            new ShapeClass("square", SQUARE_HALF_SIDE, (u, v) -> Math.abs(u) <= SQUARE_HALF_SIDE && Math.abs(v) <= SQUARE_HALF_SIDE),
            new ShapeClass("triangle", 0.5, polygon(star(3, 1, 0.5))),
            new ShapeClass("cross", CROSS_HALF_WIDTH, (u, v) -> Math.abs(u) <= CROSS_HALF_LENGTH && Math.abs(v) <= CROSS_HALF_WIDTH
                    || Math.abs(v) <= CROSS_HALF_LENGTH && Math.abs(u) <= CROSS_HALF_WIDTH),
            new ShapeClass("ring", 0, (u, v) -> {
                double q = u * u + v * v;
                return q <= 1 && q >= RING_INNER * RING_INNER;
            }),
            // The inscribed disc of the inner pentagon: its apothem.
            new ShapeClass("star", STAR_INNER * Math.cos(Math.PI / 5), polygon(star(5, 1, STAR_INNER))));

    public ShapeClass {
        if (name == null || name.isBlank() || name.contains("\n")) {
            throw new IllegalArgumentException("a shape class needs a one-line name, got '" + name + "'");
        }
        if (!(inner >= 0 && inner <= 1)) {
            throw new IllegalArgumentException("shape class '" + name + "': inner radius " + inner + " out of range; accepted: 0 to 1");
        }
        if (region == null) {
            throw new IllegalArgumentException("shape class '" + name + "' has no region");
        }
    }

    /**
     * The vertices {@code [u0, v0, u1, v1, ...]} of a star with {@code points} tips at radius
     * {@code outer} and notches at radius {@code inner}, the first tip pointing up. With
     * {@code inner = outer * cos(pi / points)} the notches lie on the edges and the star is the
     * regular polygon ({@code star(3, 1, 0.5)} is the equilateral triangle).
     */
    public static double[] star(int points, double outer, double inner) {
        double[] uv = new double[4 * points];
        for (int k = 0; k < 2 * points; k++) {
            double radius = k % 2 == 0 ? outer : inner;
            double angle = -Math.PI / 2 + Math.PI * k / points;
            uv[2 * k] = radius * StrictMath.cos(angle);
            uv[2 * k + 1] = radius * StrictMath.sin(angle);
        }
        return uv;
    }

    /** The inside of a simple polygon {@code [u0, v0, u1, v1, ...]} by the even-odd crossing rule. */
    public static Region polygon(double[] uv) {
        if (uv.length < 6 || uv.length % 2 != 0) {
            throw new IllegalArgumentException("a polygon needs at least 3 (u, v) vertices, got " + uv.length + " numbers");
        }
        double[] p = uv.clone();
        int n = p.length / 2;
        return (u, v) -> {
            boolean inside = false;
            for (int a = 0, b = n - 1; a < n; b = a++) {
                double ua = p[2 * a], va = p[2 * a + 1], ub = p[2 * b], vb = p[2 * b + 1];
                if ((va > v) != (vb > v) && u < ua + (v - va) * (ub - ua) / (vb - va)) {
                    inside = !inside;
                }
            }
            return inside;
        };
    }
}
