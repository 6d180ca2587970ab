package org.xai4j.train.shapes;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a shapes set looks like; {@link #DEFAULT} is the bundled set: 64 x 64 pixels, the six
 * classes of {@link ShapeClass#DEFAULT}, no mark.
 *
 * @param size image height and width in pixels (16 to 1024)
 * @param classes the shape classes, in label order
 * @param mark the Clever Hans mode
 * @param markSize the mark's side in pixels (6 at 64 pixels)
 * @param minRadius smallest object radius, as a fraction of {@code size} (the radius of the disc holding the outline)
 * @param maxRadius largest object radius, as a fraction of {@code size}
 * @param maxStrokes at most this many distractor strokes per image (0 for none)
 */
public record ShapesSpec(int size, List<ShapeClass> classes, Mark mark, int markSize,
                         double minRadius, double maxRadius, int maxStrokes) {

    public static final ShapesSpec DEFAULT = new ShapesSpec(64, ShapeClass.DEFAULT, Mark.NONE, 6, 0.15, 0.32, 5);

    public ShapesSpec {
        if (size < 16 || size > 1024) {
            throw new IllegalArgumentException("shapes: size " + size + " out of range; accepted: 16 to 1024 pixels");
        }
        if (classes == null || classes.size() < 2) {
            throw new IllegalArgumentException("shapes: at least 2 classes are needed, got " + (classes == null ? 0 : classes.size()));
        }
        Set<String> names = new HashSet<>();
        for (ShapeClass c : classes) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("shapes: class name '" + c.name() + "' appears twice");
            }
        }
        classes = List.copyOf(classes);
        if (mark == null) {
            throw new IllegalArgumentException("shapes: no mark mode; accepted: none, agrees, random");
        }
        if (markSize < 2 || markSize > size / 8) {
            throw new IllegalArgumentException("shapes: mark size " + markSize + " out of range; accepted: 2 to size / 8 = " + size / 8);
        }
        if (maxStrokes < 0 || maxStrokes > 100) {
            throw new IllegalArgumentException("shapes: maxStrokes " + maxStrokes + " out of range; accepted: 0 to 100");
        }
        if (!(minRadius * size >= 2) || !(minRadius <= maxRadius)) {
            throw new IllegalArgumentException("shapes: radii " + minRadius + ".." + maxRadius
                    + " refused; accepted: 2 pixels <= minRadius * size <= maxRadius * size");
        }
        // The centre of the image must hold the largest object clear of the four corner zones
        // (so that rejection sampling of the position always has somewhere to land).
        double half = size / 2.0;
        double room = Math.min(half - 1, (half - cornerZone(size, markSize)) * Math.sqrt(2));
        if (maxRadius * size > room) {
            throw new IllegalArgumentException("shapes: maxRadius " + maxRadius + " too large for size " + size
                    + " and mark size " + markSize + "; accepted: at most " + room / size);
        }
    }

    public ShapesSpec withSize(int size) {
        return new ShapesSpec(size, classes, mark, Math.max(2, Math.round(markSize * size / (float) this.size)), minRadius, maxRadius, maxStrokes);
    }

    public ShapesSpec withClasses(List<ShapeClass> classes) {
        return new ShapesSpec(size, classes, mark, markSize, minRadius, maxRadius, maxStrokes);
    }

    public ShapesSpec withMark(Mark mark) {
        return new ShapesSpec(size, classes, mark, markSize, minRadius, maxRadius, maxStrokes);
    }

    public ShapesSpec withMarkSize(int markSize) {
        return new ShapesSpec(size, classes, mark, markSize, minRadius, maxRadius, maxStrokes);
    }

    public ShapesSpec withRadius(double minRadius, double maxRadius) {
        return new ShapesSpec(size, classes, mark, markSize, minRadius, maxRadius, maxStrokes);
    }

    public ShapesSpec withMaxStrokes(int maxStrokes) {
        return new ShapesSpec(size, classes, mark, markSize, minRadius, maxRadius, maxStrokes);
    }

    /** Gap between the image edge and the mark, and between the mark and any object: 2 pixels at 64. */
    int markInset() {
        return markInset(size);
    }

    /** Side of the square in each corner that objects never enter: inset, mark, gap. */
    int cornerZone() {
        return cornerZone(size, markSize);
    }

    private static int markInset(int size) {
        return Math.max(1, size / 32);
    }

    private static int cornerZone(int size, int markSize) {
        return 2 * markInset(size) + markSize;
    }
}
