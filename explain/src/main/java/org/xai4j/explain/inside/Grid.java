package org.xai4j.explain.inside;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import org.xai4j.explain.image.Colormap;

/**
 * Pictures in rows under a title, each with a small label, and optionally a colour bar on the
 * right: the page layout of filter, feature-map, patch and visualization figures. Tiles are
 * scaled to one size by nearest neighbour, so a 3x3 filter stays nine visible squares.
 */
public final class Grid {
    private static final int MARGIN = 6;

    private Grid() {}

    /** One picture and its label (may be empty). */
    public record Tile(String label, BufferedImage image) {}

    /** A vertical colour bar for values {@code min..max} in {@code colormap}. */
    public record ColourBar(Colormap colormap, double min, double max) {}

    /**
     * The tiles in rows of {@code columns}, each drawn at {@code tile x tile} pixels (aspect kept),
     * under {@code title}; {@code bar} may be null.
     */
    public static BufferedImage of(String title, List<Tile> tiles, int columns, int tile, ColourBar bar) {
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("a grid needs at least one tile");
        }
        int cols = Math.max(1, Math.min(columns, tiles.size()));
        int rows = (tiles.size() + cols - 1) / cols;
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 14);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        FontMetrics tm = metrics(titleFont);
        FontMetrics lm = metrics(labelFont);
        boolean labelled = tiles.stream().anyMatch(t -> !t.label().isEmpty());
        int labelHeight = labelled ? lm.getHeight() : 0;
        int cellW = tile + MARGIN;
        int cellH = tile + labelHeight + MARGIN;
        int barWidth = bar == null ? 0 : 16 + MARGIN + lm.stringWidth(number(Math.abs(bar.max()) > Math.abs(bar.min()) ? bar.max() : bar.min())) + 2 * MARGIN;
        int width = Math.max(MARGIN + cols * cellW + barWidth, tm.stringWidth(title) + 2 * MARGIN);
        int top = tm.getHeight() + 2 * MARGIN;
        int height = top + rows * cellH + MARGIN;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(Color.BLACK);
        g.setFont(titleFont);
        g.drawString(title, MARGIN, MARGIN + tm.getAscent());
        g.setFont(labelFont);
        for (int i = 0; i < tiles.size(); i++) {
            Tile t = tiles.get(i);
            int x = MARGIN + (i % cols) * cellW;
            int y = top + (i / cols) * cellH;
            BufferedImage im = t.image();
            double s = (double) tile / Math.max(im.getWidth(), im.getHeight());
            int w = (int) Math.round(im.getWidth() * s);
            int h = (int) Math.round(im.getHeight() * s);
            g.drawImage(im, x + (tile - w) / 2, y + (tile - h) / 2, w, h, null);
            if (labelled) {
                String label = fit(t.label(), lm, tile);
                g.drawString(label, x + (tile - lm.stringWidth(label)) / 2, y + tile + lm.getAscent());
            }
        }
        if (bar != null) {
            int x = MARGIN + cols * cellW + MARGIN;
            int barHeight = Math.max(rows * cellH - MARGIN, 40);
            for (int i = 0; i < barHeight; i++) {
                g.setColor(new Color(bar.colormap().rgb(1 - (double) i / (barHeight - 1))));
                g.fillRect(x, top + i, 16, 1);
            }
            g.setColor(Color.BLACK);
            g.drawRect(x, top, 16, barHeight);
            g.drawString(number(bar.max()), x + 16 + MARGIN, top + lm.getAscent());
            g.drawString(number(bar.min()), x + 16 + MARGIN, top + barHeight);
        }
        g.dispose();
        return out;
    }

    private static String number(double v) {
        return Math.abs(v) >= 1e4 || (v != 0 && Math.abs(v) < 1e-2) ? String.format(Locale.ROOT, "%.2e", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String fit(String s, FontMetrics m, int width) {
        String t = s;
        while (t.length() > 1 && m.stringWidth(t) > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    private static FontMetrics metrics(Font f) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        FontMetrics m = g.getFontMetrics(f);
        g.dispose();
        return m;
    }
}
