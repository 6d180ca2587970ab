package org.xai4j.explain.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.util.Locale;

/**
 * A horizontal colour bar: the colour map from t = 0 to 1 with the values of its {@link
 * Normalization.Range} written under it, so that a picture says what its colours mean. Five ticks
 * at t = 0, 1/4, 1/2, 3/4, 1 (three when the bar is narrow); a centred range has 0 at its middle.
 */
public record ColorBar(Colormap colormap, Normalization.Range range) {
    static final int BAR_HEIGHT = 12;
    static final int TICK = 4;

    /** The values written under a bar of {@code width} pixels, left to right. */
    public double[] ticks(int width, FontMetrics metrics) {
        int n = width >= 5 * metrics.stringWidth("-0.000e-00") ? 5 : 3;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i == n - 1 ? range.high() : range.valueAt((double) i / (n - 1));
        }
        if (range.centred()) {
            v[n / 2] = 0;  // exactly, not low + (high - low) / 2 rounded
        }
        return v;
    }

    /** Pixels the bar needs below its top: the bar, the ticks and one line of numbers. */
    public static int height(FontMetrics metrics) {
        return BAR_HEIGHT + TICK + metrics.getHeight();
    }

    /** Draws the bar at {@code (x, y)}, {@code width} wide, in {@code g}'s font; returns the height used. */
    public int draw(Graphics2D g, int x, int y, int width) {
        for (int i = 0; i < width; i++) {
            g.setColor(new Color(colormap.rgb(width == 1 ? 0 : (double) i / (width - 1))));
            g.drawLine(x + i, y, x + i, y + BAR_HEIGHT - 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(x, y, width - 1, BAR_HEIGHT - 1);
        FontMetrics metrics = g.getFontMetrics();
        double[] ticks = ticks(width, metrics);
        for (int i = 0; i < ticks.length; i++) {
            int at = x + (int) Math.round((width - 1) * (double) i / (ticks.length - 1));
            g.drawLine(at, y + BAR_HEIGHT, at, y + BAR_HEIGHT + TICK - 1);
            String text = label(ticks[i]);
            int w = metrics.stringWidth(text);
            // The end labels stay inside the bar's width, the others are centred on their tick.
            int left = i == 0 ? at : i == ticks.length - 1 ? at - w + 1 : at - w / 2;
            g.drawString(text, left, y + BAR_HEIGHT + TICK + metrics.getAscent());
        }
        return height(metrics);
    }

    /** A value in at most 3 significant digits: "0", "0.37", "13.3", "1.2e-05", "-4.56e+03". */
    public static String label(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e4) {
            String s = String.format(Locale.ROOT, "%.3g", v);
            return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        return String.format(Locale.ROOT, "%.2e", v).replace(".00e", "e").replaceAll("0e", "e");
    }

    /** A font for drawing text {@code size} pixels high: the JVM's sans serif. */
    static Font font(int size, boolean bold) {
        return new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size);
    }
}
