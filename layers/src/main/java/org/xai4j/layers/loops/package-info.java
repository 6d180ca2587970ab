/**
 * Plain-loop convolution and pooling, forward and backward, from their definitions: what the
 * layers compute, written so it can be read. Read {@link org.xai4j.layers.loops.Loops#conv}, then
 * its two gradients beside it. The layers' tests compare against these.
 */
package org.xai4j.layers.loops;
