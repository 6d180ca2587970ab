/**
 * Looking inside a network: what its filters, feature maps and units respond to. Read
 * {@link org.xai4j.explain.inside.ReceptiveField} first (which input pixels a unit can see, from
 * the graph's geometry), then {@link org.xai4j.explain.inside.FeatureMaps} (a forward hook),
 * {@link org.xai4j.explain.inside.Filters}, {@link org.xai4j.explain.inside.TopPatches} (dataset
 * search with a bounded heap per channel), {@link org.xai4j.explain.inside.DeconvnetProjection}
 * (one unit back to pixels by the deconvnet rules) and
 * {@link org.xai4j.explain.inside.ActivationMaximization} (gradient ascent on the input, with
 * {@code PixelSpace}, {@code FourierImage} and {@code RandomWarp}); {@code Grid} draws the pages.
 */
package org.xai4j.explain.inside;
