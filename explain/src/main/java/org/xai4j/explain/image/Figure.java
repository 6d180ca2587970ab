package org.xai4j.explain.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.Image;
import java.util.List;

/**
 * Pictures with their explanation around them: a title above (first line bold), an optional
 * {@link ColorBar} and caption below. {@link #single} draws one at the picture's own size,
 * {@link #grid} several in rows that fit a given width (one screen), {@link #sideBySide} in one row.
 */
public final class Figure {
    private static final int MARGIN = 8;
    private static final int LINE_GAP = 2;

    private Figure() {}

    /**
     * One picture and what to write around it.
     *
     * @param title lines above the picture, the first in bold; lines too wide are cut with "..."
     * @param bar the colour bar under the picture, or null
     * @param caption one line under the bar (how values became colours), or null
     */
    public record Panel(List<String> title, BufferedImage image, ColorBar bar, String caption) {
        public Panel {
            title = List.copyOf(title);
        }

        public Panel(String title, BufferedImage image) {
            this(List.of(title), image, null, null);
        }
    }

    /** The panel at its picture's own size (at least {@code minWidth} wide), the font sized to it. */
    public static BufferedImage single(Panel p) {
        int width = Math.max(p.image().getWidth(), 224);
        int size = Math.max(12, Math.min(20, width / 32));
        BufferedImage out = blank(width + 2 * MARGIN, height(p, size, p.image().getHeight()) + 2 * MARGIN);
        Graphics2D g = graphics(out);
        draw(g, p, MARGIN, MARGIN, width, p.image().getHeight(), size);
        g.dispose();
        return out;
    }

    /**
     * The panels in rows of equal cells, as many columns as fit in {@code maxWidth} with cells at
     * least {@code minCell} pixels wide; each picture is scaled to fit a square of the cell's width,
     * keeping its aspect ratio. Titles are drawn at 13 pixels whatever the size, to stay legible.
     */
    public static BufferedImage grid(List<Panel> panels, int maxWidth, int minCell) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a figure needs at least one panel");
        }
        int columns = Math.max(1, Math.min(panels.size(), (maxWidth - MARGIN) / (minCell + MARGIN)));
        int cell = (maxWidth - MARGIN) / columns - MARGIN;
        int size = 13;
        int rows = (panels.size() + columns - 1) / columns;
        int[] rowHeights = new int[rows];
        int[][] fitted = new int[panels.size()][];
        for (int i = 0; i < panels.size(); i++) {
            BufferedImage im = panels.get(i).image();
            double scale = Math.min((double) cell / im.getWidth(), (double) cell / im.getHeight());
            fitted[i] = new int[] {Math.max(1, (int) Math.round(im.getWidth() * scale)), Math.max(1, (int) Math.round(im.getHeight() * scale))};
            rowHeights[i / columns] = Math.max(rowHeights[i / columns], height(panels.get(i), size, fitted[i][1]));
        }
        int total = MARGIN;
        for (int h : rowHeights) {
            total += h + MARGIN;
        }
        BufferedImage out = blank(MARGIN + columns * (cell + MARGIN), total);
        Graphics2D g = graphics(out);
        int y = MARGIN;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns && r * columns + c < panels.size(); c++) {
                int i = r * columns + c;
                draw(g, panels.get(i), MARGIN + c * (cell + MARGIN), y, cell, fitted[i][1], size);
            }
            y += rowHeights[r] + MARGIN;
        }
        g.dispose();
        return out;
    }

    /** The panels left to right, each picture scaled to the height of the tallest. */
    public static BufferedImage sideBySide(List<Panel> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a figure needs at least one panel");
        }
        int height = panels.stream().mapToInt(p -> p.image().getHeight()).max().orElseThrow();
        int size = Math.max(12, height / 16);
        FontMetrics metrics = metrics(ColorBar.font(size, true));
        int[] widths = new int[panels.size()];
        int width = MARGIN;
        int tallest = 0;
        for (int i = 0; i < widths.length; i++) {
            Panel p = panels.get(i);
            widths[i] = p.image().getWidth() * height / p.image().getHeight();
            for (String line : p.title()) {
                widths[i] = Math.max(widths[i], metrics.stringWidth(line));
            }
            width += widths[i] + MARGIN;
            tallest = Math.max(tallest, height(p, size, height));
        }
        BufferedImage out = blank(width, tallest + 2 * MARGIN);
        Graphics2D g = graphics(out);
        int x = MARGIN;
        for (int i = 0; i < panels.size(); i++) {
            draw(g, panels.get(i), x, MARGIN, widths[i], height, size);
            x += widths[i] + MARGIN;
        }
        g.dispose();
        return out;
    }

    /** Height of a panel whose picture is drawn {@code imageHeight} high, text at {@code size} pixels. */
    private static int height(Panel p, int size, int imageHeight) {
        int h = p.title().size() * (metrics(ColorBar.font(size, false)).getHeight() + LINE_GAP) + LINE_GAP + imageHeight;
        FontMetrics small = metrics(ColorBar.font(size - 1, false));
        if (p.bar() != null) {
            h += LINE_GAP * 2 + ColorBar.height(small);
        }
        if (p.caption() != null) {
            h += small.getHeight();
        }
        return h;
    }

    /** Draws {@code p} in a column {@code width} wide at (x, y), its picture centred and {@code imageHeight} high. */
    private static void draw(Graphics2D g, Panel p, int x, int y, int width, int imageHeight, int size) {
        g.setColor(Color.BLACK);
        for (int i = 0; i < p.title().size(); i++) {
            g.setFont(ColorBar.font(size, i == 0));
            FontMetrics m = g.getFontMetrics();
            String line = fit(p.title().get(i), m, width);
            g.drawString(line, x + (width - m.stringWidth(line)) / 2, y + m.getAscent());
            y += metrics(ColorBar.font(size, false)).getHeight() + LINE_GAP;
        }
        y += LINE_GAP;
        int imageWidth = (int) Math.round((double) p.image().getWidth() * imageHeight / p.image().getHeight());
        imageWidth = Math.min(imageWidth, width);
        int left = x + (width - imageWidth) / 2;
        // Bilinear drawing samples only 2x2 source pixels per target pixel: shrinking by more
        // than 1.5x that way aliases edges and fine gradient maps, so average areas instead.
        Image source = imageWidth * 3 < p.image().getWidth() * 2
                ? p.image().getScaledInstance(imageWidth, imageHeight, Image.SCALE_AREA_AVERAGING) : p.image();
        g.drawImage(source, left, y, imageWidth, imageHeight, null);
        y += imageHeight;
        g.setFont(ColorBar.font(size - 1, false));
        if (p.bar() != null) {
            y += 2 * LINE_GAP;
            y += p.bar().draw(g, left, y, imageWidth);
        }
        if (p.caption() != null) {
            FontMetrics m = g.getFontMetrics();
            String line = fit(p.caption(), m, width);
            g.setColor(Color.DARK_GRAY);
            g.drawString(line, x + (width - m.stringWidth(line)) / 2, y + m.getAscent());
        }
    }

    /** {@code text}, cut and ended with "..." when wider than {@code width}. */
    static String fit(String text, FontMetrics m, int width) {
        if (m.stringWidth(text) <= width) {
            return text;
        }
        String s = text;
        while (!s.isEmpty() && m.stringWidth(s + "...") > width) {
            s = s.substring(0, s.length() - 1);
        }
        return s + "...";
    }

    private static BufferedImage blank(int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return out;
    }

    private static Graphics2D graphics(BufferedImage out) {
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        return g;
    }

    private static FontMetrics metrics(Font font) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        FontMetrics m = g.getFontMetrics(font);
        g.dispose();
        return m;
    }
}
