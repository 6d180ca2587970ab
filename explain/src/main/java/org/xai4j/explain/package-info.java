/**
 * Explanation methods on the engine's own graph: gradients (saliency, gradient x input,
 * integrated gradients, guided backpropagation, deconvnet), SmoothGrad as a wrapper, and the
 * CAM family (CAM, Grad-CAM and its variants, Guided Grad-CAM, Smooth Grad-CAM++).
 *
 * <p>Read first: {@link org.xai4j.explain.Explainer} (the one interface) and
 * {@link org.xai4j.explain.Target} (what is explained, as a seed gradient at the logits that
 * {@link org.xai4j.explain.Head} finds), then
 * {@link org.xai4j.explain.ActivationGradient} (one forward, one truncated backward) and
 * {@link org.xai4j.explain.GradCam}, the shortest complete method. Shared steps are final helper
 * classes: {@link org.xai4j.explain.ChannelWeights}, {@link org.xai4j.explain.Upsampling},
 * {@link org.xai4j.explain.BackwardRules} (rectifier rules as backward hooks),
 * {@link org.xai4j.explain.Maps} (display post-processing). {@link org.xai4j.explain.Methods} is the
 * catalogue of every method (name, paper, shared {@link org.xai4j.explain.Parameter}s, how to build
 * it) that front ends such as the command line offer.
 */
package org.xai4j.explain;
