package org.xai4j.explain.metrics;

/**
 * An axis-aligned box {@code [x0, y0, x1, y1]} in pixels, x to the right, y down, x1 and y1
 * exclusive (a one-pixel box at (x, y) is {@code [x, y, x + 1, y + 1]}).
 */
public record Box(int x0, int y0, int x1, int y1) {

    public Box {
        if (x1 <= x0 || y1 <= y0) {
            throw new IllegalArgumentException("a box needs x0 < x1 and y0 < y1, got [" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]");
        }
    }

    public static Box of(int[] xyxy) {
        if (xyxy.length != 4) {
            throw new IllegalArgumentException("a box is [x0, y0, x1, y1], got " + xyxy.length + " numbers");
        }
        return new Box(xyxy[0], xyxy[1], xyxy[2], xyxy[3]);
    }

    public long area() {
        return (long) (x1 - x0) * (y1 - y0);
    }

    public boolean contains(int x, int y) {
        return x >= x0 && x < x1 && y >= y0 && y < y1;
    }

    /** Intersection over union, in [0, 1]. */
    public double iou(Box other) {
        long w = Math.min(x1, other.x1) - Math.max(x0, other.x0);
        long h = Math.min(y1, other.y1) - Math.max(y0, other.y0);
        long inter = w > 0 && h > 0 ? w * h : 0;
        return (double) inter / (area() + other.area() - inter);
    }

    /**
     * The same box in an image of another size, each edge scaled by the ratio of the sizes (a map
     * at the model's input resolution to the original photo): x0 and y0 rounded down, x1 and y1
     * up, so the scaled box covers every pixel the original box touches.
     */
    public Box scaled(int fromW, int fromH, int toW, int toH) {
        double sx = (double) toW / fromW;
        double sy = (double) toH / fromH;
        return new Box((int) Math.floor(x0 * sx + 1e-9), (int) Math.floor(y0 * sy + 1e-9),
                Math.min(toW, (int) Math.ceil(x1 * sx - 1e-9)), Math.min(toH, (int) Math.ceil(y1 * sy - 1e-9)));
    }

    public int[] toArray() {
        return new int[] {x0, y0, x1, y1};
    }
}
