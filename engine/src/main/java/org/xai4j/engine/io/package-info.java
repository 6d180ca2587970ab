/**
 * Getting tensors in and out: {@code .npy} files ({@link org.xai4j.engine.io.Npy}), photos as
 * RGB tensors with a documented resampling ({@link org.xai4j.engine.io.Images}, whose half-pixel
 * bilinear step, {@link org.xai4j.engine.io.Resampling}, also upsamples explain's CAM maps), the input
 * normalisations of the common model families ({@link org.xai4j.engine.io.Preprocess}) and
 * class names ({@link org.xai4j.engine.io.Labels}, ImageNet built in).
 *
 * <p>Read first: {@link org.xai4j.engine.io.Images} (its class comment states the resampling
 * rule exactly), then {@link org.xai4j.engine.io.Preprocess}.
 */
package org.xai4j.engine.io;
