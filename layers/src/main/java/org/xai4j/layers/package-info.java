/**
 * The layers: one final class per operation, forward and hand-written backward side by side.
 */
package org.xai4j.layers;
