/**
 * The layers: one final class per operation, forward and hand-written backward side by side.
 *
 * <p>Read first: {@link org.xai4j.layers.ReLU} (the shape every layer has), then
 * {@link org.xai4j.layers.Linear}, {@link org.xai4j.layers.Conv2d} with its settings
 * {@link org.xai4j.layers.ConvSpec} and the ND4J calls in {@link org.xai4j.layers.ConvKernels},
 * {@link org.xai4j.layers.BatchNorm2d}, its training mode {@link org.xai4j.layers.BatchNormTraining}, and
 * {@link org.xai4j.layers.BatchNormFolding}, the pooling
 * layers with {@link org.xai4j.layers.PoolGeometry}, and {@link org.xai4j.layers.Add} with
 * {@link org.xai4j.layers.Broadcast}. Each of these computes its formula one way; the faster
 * forms ({@link org.xai4j.layers.PointwiseConv2d}, {@link org.xai4j.layers.DepthwiseConv2d},
 * {@link org.xai4j.layers.GroupedConv2d}, {@link org.xai4j.layers.ReLU6},
 * {@link org.xai4j.layers.SparseSeedLinear}, {@link org.xai4j.layers.Nd4jMaxPool2d}) are
 * separate layers that {@link org.xai4j.layers.Specialization} puts in their place, each
 * {@link org.xai4j.layers.Specialized} with the reference layer it replaces. The seeded model zoo
 * is in {@code org.xai4j.layers.zoo}; the plain loops the layers are tested against in
 * {@code org.xai4j.layers.loops}.
 */
package org.xai4j.layers;
