/**
 * Training on the engine's own graph: the loss, the optimizers and the loop that the bundled
 * models are trained with.
 *
 * <p>Read first {@link org.xai4j.train.Trainer} (the loop, and why no compiled plan sees stale
 * weights), then {@link org.xai4j.train.TrainingGraph} (the switch between batch norm's two modes
 * as a graph rewrite, and where the running statistics live),
 * {@link org.xai4j.train.SoftmaxCrossEntropy}, the optimizers {@link org.xai4j.train.Sgd} and
 * {@link org.xai4j.train.Adam} over {@link org.xai4j.train.Optimizer},
 * {@link org.xai4j.train.Schedule}, and the data a trainer reads, {@link org.xai4j.train.Examples}.
 * {@link org.xai4j.train.SmallResNet} builds the network the bundled models start from. The
 * training-mode batch norm itself is a layer: {@code org.xai4j.layers.BatchNormTraining}. The
 * synthetic data the bundled models learn from is {@code org.xai4j.train.shapes}, whose
 * {@code ShapesSource} is the {@code Examples} a trainer reads.
 */
package org.xai4j.train;
