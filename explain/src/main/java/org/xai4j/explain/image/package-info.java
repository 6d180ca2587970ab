/**
 * Pictures of explanations and the page that shows them. Read {@link org.xai4j.explain.image.Overlay}
 * first (a map in colour over a photo, at the photo's own size), then
 * {@link org.xai4j.explain.image.Normalization} (values to colour positions; centred for signed
 * maps), {@link org.xai4j.explain.image.Colormap}, {@link org.xai4j.explain.image.Planes} (an
 * attribution as one value per pixel, signed or not), {@link org.xai4j.explain.image.ColorBar} and
 * {@link org.xai4j.explain.image.Figure} (titles, colour bars, grids), {@link
 * org.xai4j.explain.image.SameMaps} (maps equal up to a factor), and last
 * {@link org.xai4j.explain.image.HtmlPage}, a self-contained HTML page that any front end can fill.
 */
package org.xai4j.explain.image;
