package org.xai4j.cli;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.xai4j.engine.Flat;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Method;
import org.xai4j.explain.Parameter;
import org.xai4j.explain.image.ColorBar;
import org.xai4j.explain.image.Figure;
import org.xai4j.explain.image.SameMaps;

/**
 * The pictures of one {@code explain} run, method by method: each method's PNG (its map over the
 * photo with a title, a colour bar and a caption), then {@code all.png}, a grid of the input and
 * every distinct map that reads on one screen ({@value #GRID_WIDTH} pixels wide at most).
 *
 * <p>A method whose map is another's times a positive factor (CAM and Grad-CAM at the layer that
 * feeds global average pooling and a linear classifier: Grad-CAM = CAM / (h w)) is said once: the
 * grid shows one panel titled with both names, and the later method's record says
 * {@code "same_as": "cam"} with {@code "same_as_scale"}, the factor ({@link SameMaps}).
 */
final class ExplainFigures {
    static final int GRID_WIDTH = 1600;
    static final int GRID_CELL = 290;
    static final int GRID_HEIGHT = 1200;
    /**
     * Largest difference of two maps, each divided by its largest magnitude, for them to count as
     * the same. CAM against Grad-CAM on MobileNetV2 in float32 differs by at most 1.7e-7 of its
     * largest value (their channel sums round differently); 1e-5 leaves room for deeper sums and stays far
     * below what a picture could show (one 255th is 3.9e-3).
     */
    static final double SAME_TOLERANCE = 1e-5;

    /** What the maps explain: the class, its label, what the score is called ("logit"), the layer of CAM methods. */
    record Subject(int c, String label, String scoreName, String layer) {}

    /** One method as shown; {@code sameAs} is the earlier method with the same map, or null. */
    record Shown(Method method, double[] values, ExplainPictures.Drawn drawn, List<String> title, BufferedImage png,
                 Method sameAs, double scale, double score, double ms) {}

    private final BufferedImage background;
    private final ExplainPictures.Style style;
    private final Subject subject;
    private final Figure.Panel input;
    private final List<Shown> shown = new ArrayList<>();

    /** {@code input}: the grid's first panel (the photo and the prediction). */
    ExplainFigures(BufferedImage background, ExplainPictures.Style style, Subject subject, Figure.Panel input) {
        this.background = background;
        this.style = style;
        this.subject = subject;
        this.input = input;
    }

    List<Shown> shown() {
        return List.copyOf(shown);
    }

    /** Draws one method's map and says whether an earlier method gave the same one. */
    Shown add(Method m, Explanation e, double ms) {
        double[] values = Flat.read(e.map());
        Method sameAs = null;
        double scale = 1;
        for (Shown s : shown) {
            if (s.sameAs() == null && s.method().output() == m.output()) {
                OptionalDouble k = SameMaps.scale(s.values(), values, SAME_TOLERANCE);
                if (k.isPresent()) {
                    sameAs = s.method();
                    scale = k.getAsDouble();
                    break;
                }
            }
        }
        ExplainPictures.Drawn d = ExplainPictures.draw(background, e, m, style);
        List<String> title = new ArrayList<>(List.of(m.title() + " (" + m.name() + ")",
                String.format(Locale.ROOT, "%d %s, %s %s", subject.c(), subject.label(), subject.scoreName(),
                        ColorBar.label(e.scores().valueOf(0)))));
        if (m.takes(Parameter.LAYER) && subject.layer() != null) {
            title.add("layer " + subject.layer());
        }
        if (sameAs != null) {
            title.add("same map as " + sameAs.name() + factor(scale));
        }
        BufferedImage png = Figure.single(new Figure.Panel(title, d.picture(), d.bar(), d.caption()));
        Shown s = new Shown(m, values, d, title, png, sameAs, scale, e.scores().valueOf(0), ms);
        shown.add(s);
        return s;
    }

    /** What a method's JSON record says about its picture and about an identical earlier map. */
    static Map<String, Object> record(Shown s, ExplainPictures.Style style) {
        Map<String, Object> j = new LinkedHashMap<>();
        if (s.sameAs() != null) {
            j.put("same_as", s.sameAs().name());
            j.put("same_as_scale", s.scale());
        }
        Map<String, Object> picture = new LinkedHashMap<>();
        picture.put("colormap", s.drawn().colormap().cliName());
        picture.put("sign", s.method().output() != Method.Output.INPUT ? "map" : style.sign().cliName());
        picture.put("range", List.of(s.drawn().range().low(), s.drawn().range().high()));
        picture.put("alpha", style.alpha());
        picture.put("caption", s.drawn().caption());
        j.put("picture", picture);
        return j;
    }

    /** The input and every distinct map, in rows that fit {@value #GRID_WIDTH} pixels. */
    BufferedImage grid() {
        List<Figure.Panel> panels = new ArrayList<>(List.of(input));
        for (Shown s : shown) {
            if (s.sameAs() != null) {
                continue;
            }
            List<Shown> same = shown.stream().filter(t -> t.sameAs() == s.method()).toList();
            List<String> title = new ArrayList<>(s.title());
            title.set(0, s.method().title());
            if (!same.isEmpty()) {
                StringBuilder names = new StringBuilder(s.method().title());
                same.forEach(t -> names.append(" = ").append(t.method().title()));
                title.set(0, names.toString());
                for (Shown t : same) {
                    if (Math.abs(t.scale() - 1) > SAME_TOLERANCE) {
                        title.add(t.method().title() + factor(t.scale()));
                    }
                }
            }
            panels.add(new Figure.Panel(title, s.drawn().picture(), s.drawn().bar(), s.drawn().caption()));
        }
        // Narrower cells while the grid is taller than a screen (many methods, wide photos).
        BufferedImage grid = Figure.grid(panels, GRID_WIDTH, GRID_CELL);
        for (int cell = GRID_CELL - 20; grid.getHeight() > GRID_HEIGHT && cell >= 160; cell -= 20) {
            grid = Figure.grid(panels, GRID_WIDTH, cell);
        }
        return grid;
    }

    private static String factor(double scale) {
        return Math.abs(scale - 1) <= SAME_TOLERANCE ? "" : " x " + ColorBar.label(scale);
    }
}
