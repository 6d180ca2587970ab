/**
 * The autodiff engine: a graph of named nodes, a forward pass that records activations and
 * layer caches, and a reverse walk with hand-written backward rules.
 *
 * <p>Read first: {@link org.xai4j.engine.Layer} (the contract every operation keeps), then
 * {@link org.xai4j.engine.Graph} (nodes, names, hooks) and {@link org.xai4j.engine.Tape} (the
 * forward record and the truncated reverse walk, where fan-out gradients are summed).
 */
package org.xai4j.engine;
