/**
 * Compiled inference on oneDNN: the engine's {@link org.xai4j.engine.Accelerator} for the
 * stretch of a pass that needs no record (all of {@code predict}; everything before the layer of
 * a Grad-CAM).
 *
 * <p>Read first: {@link org.xai4j.onednn.OneDnnPlan} (fusion, layouts, buffer reuse), then
 * {@link org.xai4j.onednn.ActivationLayout} (the channel block, from the ISA oneDNN runs at),
 * {@link org.xai4j.onednn.OneDnnAccelerator} (which nodes it takes),
 * {@link org.xai4j.onednn.ChannelSplit}, {@link org.xai4j.onednn.RowSplit} and
 * {@link org.xai4j.onednn.Crew} (batch 1: each step's channel blocks, or rows, in parts on threads
 * of their own) and {@link org.xai4j.onednn.Dnnl} (the checked
 * C API calls). The node-by-node layers remain
 * the reference; the plan's tests compare against them.
 */
package org.xai4j.onednn;
