/**
 * The synthetic shapes set: one object per image at a random place, with its mask and box known,
 * and the "Clever Hans" variant whose corner mark agrees with the label only in training.
 */
package org.xai4j.train.shapes;
