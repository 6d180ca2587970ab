/**
 * Compiled inference on oneDNN: the engine's {@link org.xai4j.engine.Accelerator} for the
 * stretch of a pass that needs no record (all of {@code predict}; everything before the layer of
 * a Grad-CAM).
 *
 * <p>Read first: {@link org.xai4j.onednn.OneDnnPlan} (fusion, layouts, buffer reuse), then
 * {@link org.xai4j.onednn.ActivationLayout} (the channel block, from the ISA oneDNN runs at),
 * {@link org.xai4j.onednn.OneDnnAccelerator} (which nodes it takes),
 * {@link org.xai4j.onednn.ChannelSplit}, {@link org.xai4j.onednn.RowSplit},
 * {@link org.xai4j.onednn.ImageSplit} and {@link org.xai4j.onednn.Crew} (each step's channel
 * blocks, rows or images in parts on threads of their own; {@link org.xai4j.onednn.MixedLayout},
 * rows up to a switch into channel blocks; {@link org.xai4j.onednn.Chains}, runs of them with no
 * wait) and {@link org.xai4j.onednn.Dnnl} (the checked
 * C API calls). The node-by-node layers remain
 * the reference; the plan's tests compare against them.
 */
package org.xai4j.onednn;
