package org.xai4j.train.shapes;

import java.awt.image.BufferedImage;

/**
 * One generated image with its truth. Pixel {@code (x, y)} is the unit square
 * {@code [x, x + 1) x [y, y + 1)}, x to the right, y down.
 *
 * @param index the sample's index in its set
 * @param label the object's class (index into {@link ShapesSpec#classes()})
 * @param size height and width
 * @param rgb 8-bit RGB, planes {@code [3, size, size]} (channel, row, column), values 0..255 as unsigned bytes
 * @param mask {@code [size, size]} row-major, 1 where the object covers at least half the pixel, else 0
 * @param box the mask's extent {@code [x0, y0, x1, y1]}, x1 and y1 exclusive
 * @param markCode the code the mark carries (a class index), or -1 when there is no mark
 * @param markBox the mark's extent {@code [x0, y0, x1, y1]}, or null when there is no mark
 * @param placement where and how the object was drawn
 */
public record ShapeSample(int index, int label, int size, byte[] rgb, byte[] mask, int[] box, int markCode, int[] markBox,
                         Placement placement) {

    /**
     * The object's pose: the point {@code (u, v)} of its {@link ShapeClass.Region} lands on pixel
     * coordinates {@code (cx, cy) + radius * R(angle) (u, v)}, R the rotation by {@code angle}
     * radians (from x towards y, i.e. clockwise on screen).
     *
     * @param colour linear RGB in [0, 1]
     */
    public record Placement(double cx, double cy, double radius, double angle, double[] colour) {}

    /** The value of channel {@code c} at row {@code y}, column {@code x}, 0..255. */
    public int value(int c, int y, int x) {
        return rgb[(c * size + y) * size + x] & 0xFF;
    }

    /** The picture, {@code TYPE_INT_RGB}. */
    public BufferedImage image() {
        int plane = size * size;
        int[] argb = new int[plane];
        for (int p = 0; p < plane; p++) {
            argb[p] = (rgb[p] & 0xFF) << 16 | (rgb[plane + p] & 0xFF) << 8 | (rgb[2 * plane + p] & 0xFF);
        }
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, size, size, argb, 0, size);
        return image;
    }

    /** The mask as an 8-bit grey picture: 255 on the object, 0 elsewhere. */
    public BufferedImage maskImage() {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        byte[] grey = new byte[mask.length];
        for (int p = 0; p < mask.length; p++) {
            grey[p] = mask[p] != 0 ? (byte) 255 : 0;
        }
        image.getRaster().setDataElements(0, 0, size, size, grey);
        return image;
    }
}
