/**
 * Training on the engine's own graph: the loss, the optimizers and the loop that the bundled
 * models are trained with.
 */
package org.xai4j.train;
