/**
 * Metrics that judge a map, each a small class with its paper, on maps computed here or
 * elsewhere (an {@code [H, W]} array in, a number out): localization ({@link
 * org.xai4j.explain.metrics.Localization}, {@link org.xai4j.explain.metrics.Box}), the pointing
 * game and its energy form ({@link org.xai4j.explain.metrics.PointingGame}), deletion and
 * insertion ({@link org.xai4j.explain.metrics.DeletionInsertion}), average drop and increase in
 * confidence ({@link org.xai4j.explain.metrics.ConfidenceChange}), the similarities of the
 * sanity checks ({@link org.xai4j.explain.metrics.Similarity}, {@link
 * org.xai4j.explain.metrics.Hog}) and the randomized models they compare ({@link
 * org.xai4j.explain.metrics.ModelRandomization}), the checks themselves, by model-parameter and by data
 * randomization ({@link org.xai4j.explain.metrics.SanityChecks}), and max-sensitivity ({@link
 * org.xai4j.explain.metrics.MaxSensitivity}).
 *
 * <p>Read first: {@link org.xai4j.explain.metrics.Plane} (the one map representation), then
 * {@link org.xai4j.explain.metrics.Localization}. Images are x to the right, y down; boxes are
 * {@code [x0, y0, x1, y1]} with x1 and y1 exclusive.
 */
package org.xai4j.explain.metrics;
