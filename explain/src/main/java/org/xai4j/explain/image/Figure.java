package org.xai4j.explain.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Several pictures side by side with a title above each, like the comparison figures of the
 * Grad-CAM and SmoothGrad papers: input, saliency, Grad-CAM, ... in one PNG.
 */
public final class Figure {
    private static final int MARGIN = 8;

    private Figure() {}

    /** One picture and its title. */
    public record Panel(String title, BufferedImage image) {}

    /** The panels left to right on a white background, each scaled to the height of the tallest. */
    public static BufferedImage sideBySide(List<Panel> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a figure needs at least one panel");
        }
        int height = panels.stream().mapToInt(p -> p.image().getHeight()).max().orElseThrow();
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(12, height / 16));
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics metrics = pg.getFontMetrics(font);
        pg.dispose();
        int titleHeight = metrics.getHeight() + MARGIN;
        int[] widths = panels.stream().mapToInt(p -> p.image().getWidth() * height / p.image().getHeight()).toArray();
        int width = MARGIN;
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(widths[i], metrics.stringWidth(panels.get(i).title()));
            width += widths[i] + MARGIN;
        }
        BufferedImage out = new BufferedImage(width, titleHeight + height + MARGIN, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setFont(font);
        g.setColor(Color.BLACK);
        int x = MARGIN;
        for (int i = 0; i < panels.size(); i++) {
            Panel p = panels.get(i);
            int imageWidth = p.image().getWidth() * height / p.image().getHeight();
            g.drawString(p.title(), x + (widths[i] - metrics.stringWidth(p.title())) / 2, MARGIN + metrics.getAscent());
            g.drawImage(p.image(), x + (widths[i] - imageWidth) / 2, titleHeight, imageWidth, height, null);
            x += widths[i] + MARGIN;
        }
        g.dispose();
        return out;
    }
}
