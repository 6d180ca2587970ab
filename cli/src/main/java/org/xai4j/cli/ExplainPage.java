package org.xai4j.cli;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.xai4j.explain.image.HtmlPage;

/**
 * {@code DIR/index.html} of {@code explain}: the input and the prediction table, the parameters,
 * and every method's picture, in one self-contained file ({@link HtmlPage}).
 */
final class ExplainPage {
    private ExplainPage() {}

    /**
     * @param input the photo (or tensor) as drawn under the maps
     * @param top the model's top classes
     * @param explained one line: which class the maps explain and why
     * @param settings name and value of everything the run used (model, input, layer, parameters, picture options)
     */
    static HtmlPage of(String title, BufferedImage input, String inputCaption, List<Predictions.Entry> top, String explained,
                       Map<String, Object> settings, List<ExplainFigures.Shown> shown) {
        List<List<String>> predictions = new ArrayList<>();
        for (Predictions.Entry e : top) {
            predictions.add(List.of(Integer.toString(e.rank()), Integer.toString(e.index()), e.label(),
                    String.format(Locale.ROOT, "%.4f", e.probability()),
                    Double.isNaN(e.logit()) ? "-" : String.format(Locale.ROOT, "%.4f", e.logit())));
        }
        List<List<String>> parameters = new ArrayList<>();
        settings.forEach((k, v) -> parameters.add(List.of(k, v == null ? "-" : v.toString())));
        List<List<String>> methods = new ArrayList<>();
        List<HtmlPage.Picture> pictures = new ArrayList<>();
        for (ExplainFigures.Shown s : shown) {
            String name = s.method().name();
            methods.add(List.of(name, s.method().title(), String.format(Locale.ROOT, "%.4g", s.score()),
                    String.format(Locale.ROOT, "%.0f ms", s.ms()), s.drawn().caption(),
                    s.sameAs() == null ? "" : "same map as " + s.sameAs().name()
                            + String.format(Locale.ROOT, " (x %.4g)", s.scale())));
            pictures.add(HtmlPage.picture(name + ".png: " + s.method().title(), s.png()));
        }
        return new HtmlPage(title, List.of(
                new HtmlPage.Section("Input and prediction", List.of(
                        new HtmlPage.Grid(List.of(HtmlPage.picture(inputCaption, input))),
                        new HtmlPage.Table(List.of("rank", "class", "label", "probability", "logit"), predictions),
                        new HtmlPage.Paragraph(explained))),
                new HtmlPage.Section("Methods", List.of(
                        new HtmlPage.Table(List.of("method", "name", "score", "time", "picture", "note"), methods),
                        new HtmlPage.Grid(pictures),
                        new HtmlPage.Link("all.png: every map in one figure", "all.png"))),
                new HtmlPage.Section("Parameters", List.of(
                        new HtmlPage.Table(List.of("setting", "value"), parameters)))));
    }
}
