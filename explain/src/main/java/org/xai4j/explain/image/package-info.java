/**
 * Pictures of explanations: colour maps, a heat map over the input photo, side-by-side figures
 * with titles, PNG output through ImageIO. Read {@link org.xai4j.explain.image.Overlay} first.
 */
package org.xai4j.explain.image;
