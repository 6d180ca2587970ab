package org.xai4j.train.shapes;

/**
 * The "Clever Hans" mark: a small checkerboard in a corner whose code (corner and colour) can
 * give the label away. Code {@code k} of {@code K} classes is the corner {@code k mod 4}
 * (0 top left, 1 top right, 2 bottom right, 3 bottom left) and the hue {@code k / K} at full
 * saturation, alternating with black; the colour alone tells every code apart.
 *
 * <p>The image under the mark is the same in every mode: objects always keep clear of all four
 * corners, and the mark's random draws have a stream of their own, so sample {@code i} with
 * {@link #NONE} is sample {@code i} with {@link #AGREES} without the mark's pixels (the honest
 * model trains on exactly the Clever Hans model's images, less the shortcut).
 */
public enum Mark {
    /** No mark. */
    NONE,
    /** The mark carries the label's own code: a training set with a shortcut. */
    AGREES,
    /** The mark carries the code of a class drawn uniformly, independent of the label: a test set where the shortcut is worth nothing. */
    RANDOM;

    /** The name in files and on a command line ("agrees"). */
    public String fileName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
