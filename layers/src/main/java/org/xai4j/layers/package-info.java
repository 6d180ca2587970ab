/**
 * The layers: one final class per operation, forward and hand-written backward side by side.
 *
 * <p>Read first: {@link org.xai4j.layers.ReLU} (the shape every layer has), then
 * {@link org.xai4j.layers.Linear}, {@link org.xai4j.layers.Conv2d} with its settings
 * {@link org.xai4j.layers.ConvSpec} and the ND4J calls in {@link org.xai4j.layers.ConvKernels},
 * {@link org.xai4j.layers.BatchNorm2d} and {@link org.xai4j.layers.BatchNormFolding}, the pooling
 * layers with {@link org.xai4j.layers.PoolGeometry}, and {@link org.xai4j.layers.Add} with
 * {@link org.xai4j.layers.Broadcast}. The seeded model zoo is in {@code org.xai4j.layers.zoo}.
 */
package org.xai4j.layers;
