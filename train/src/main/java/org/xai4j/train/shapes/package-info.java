/**
 * The synthetic shapes set: one object per image at a random place, with its mask and box known,
 * and the "Clever Hans" variant whose corner mark agrees with the label only in training.
 *
 * <p>Read first: {@link org.xai4j.train.shapes.ShapeClass} (the table of classes: a name and a
 * point test in unit coordinates), then {@link org.xai4j.train.shapes.Shapes} (the generator: what
 * sample {@code i} draws, the coverage and mask rule), {@link org.xai4j.train.shapes.Mark} (the
 * mark's code and modes) and {@link org.xai4j.train.shapes.Backgrounds} (textures and clutter).
 * {@link org.xai4j.train.shapes.ShapesSpec} holds the settings, {@link org.xai4j.train.shapes.ShapeSample}
 * one result; {@link org.xai4j.train.shapes.ShapesFiles} writes a set as a folder and
 * {@link org.xai4j.train.shapes.ShapesSource} serves training batches.
 * {@link org.xai4j.train.shapes.Random64} is the seeded stream everything draws from.
 */
package org.xai4j.train.shapes;
