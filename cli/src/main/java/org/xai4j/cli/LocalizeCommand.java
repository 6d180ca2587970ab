package org.xai4j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Labels;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Head;
import org.xai4j.explain.Maps;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameter;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Target;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.metrics.Box;
import org.xai4j.explain.metrics.Localization;
import org.xai4j.explain.metrics.Plane;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code xai4j localize}: weakly supervised localization (Zhou et al., CVPR 2016): a classifier's
 * map of one class, thresholded at a fraction of its maximum, its largest connected component and
 * that component's box, in the original photo's pixels ({@link Localization}).
 */
@Command(name = "localize", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Weakly supervised localization: the map of a class (Grad-CAM by default) thresholded at a fraction "
                + "of its maximum, its largest connected component, and that component's bounding box. Writes DIR/box.json "
                + "({\"class\", \"label\", \"score\", \"method\", \"threshold\", \"box\": [x0, y0, x1, y1]} in pixels of the "
                + "original image, x to the right, y down, x1 and y1 exclusive) and DIR/box.png (the box on the photo); "
                + "for several inputs DIR/<input>/box.json and box.png, plus index.json and index.html."})
final class LocalizeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    InputOptions input;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = "gradcam",
            description = "The map: any explain method (default: ${DEFAULT-VALUE}); input-shaped maps are aggregated over "
                    + "channels as their pictures are.")
    String method;

    @Option(names = "--layer", paramLabel = "NODE",
            description = "The CAM methods' layer (default: the input of the model's last global pooling).")
    String layer;

    @Mixin
    TargetOptions targets;

    @Option(names = "--threshold", paramLabel = "F", defaultValue = "0.2",
            description = "The fraction of the map's maximum kept (default: ${DEFAULT-VALUE}, as Zhou et al.).")
    double threshold;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where the files go. Default: localize/<input file name> (one input) or localize/ (several).")
    Path out;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be in (0, 1] (a fraction of the map's maximum), got " + threshold);
        }
        if (targets.several()) {
            throw new IllegalArgumentException("localize takes one --target (a box per class: run it once per class)");
        }
        Method m = Methods.named(method);
        Graph graph = model.graph();
        Head head = Head.of(graph);
        String layerName = m.takes(Parameter.LAYER) ? head.featureMapsAt(graph, layer, m.name()) : null;
        Parameters parameters = Parameters.DEFAULT.withLayer(layerName);
        m.check().check(graph, head, parameters);
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException(model.file() + ": localize takes single-input models");
        }
        Graph.Input in = graph.inputs().get(0);
        input.preprocessing(model.file(), graph);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!input.many()) {
            Path file = input.file();
            Path dir = out != null ? out : Path.of("localize", ExplainCommand.stem(file));
            Map<String, Object> box = localize(graph, head, m, parameters, in, file, dir);
            o.println(input.preprocessLine());
            o.println(Json.write(box));
            o.println("out:    " + dir.resolve("box.json") + ", " + dir.resolve("box.png"));
            return 0;
        }
        List<Path> files = input.files();
        Map<Path, String> subfolders = InputFiles.subfolders(files);
        Path root = out != null ? out : Path.of("localize");
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("model", model.file().toString());
        run.putAll(input.preprocessJson(true));
        run.put("method", m.name());
        run.put("threshold", threshold);
        BatchIndex index = new BatchIndex("localize", root, run);
        o.println(input.preprocessLine());
        try (ImagesProgress progress = new ImagesProgress(err, System.console() != null, files.size())) {
            for (Path f : files) {
                Map<String, Object> record = index.add(f, subfolders.get(f));
                try {
                    Map<String, Object> box = localize(graph, head, m, parameters, in, f, root.resolve(subfolders.get(f)));
                    record.putAll(box);
                    progress.println(o, String.format(Locale.ROOT, "%-40s %d %s %.4f %s", f, box.get("class"), box.get("label"),
                            (double) box.get("score"), box.get("box")));
                } catch (TargetOptions.Unresolved e) {
                    throw e;
                } catch (RuntimeException e) {
                    index.fail(record, e, err);
                }
                progress.advance(1);
            }
        }
        return index.finish(o);
    }

    /** One input: the class, its map, the box in the original's pixels; box.json and box.png in {@code dir}. */
    private Map<String, Object> localize(Graph graph, Head head, Method m, Parameters parameters, Graph.Input in, Path file, Path dir) {
        INDArray x = input.read(file, in).x();
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException(file + ": localize takes one input [1,C,H,W]; got " + Converters.shape(x.shape()));
        }
        double[] z = Predictions.row(head.at(graph, x), 0);
        Labels names = labels.forModel(model.file(), z.length);
        int requested = targets.resolve(names, z.length, head.logits())[0];
        int c = requested >= 0 ? requested : Target.argmax(z);
        Explanation e = m.explainer(parameters).explain(graph, x, Target.of(c));
        INDArray map = m.output() != Method.Output.INPUT ? e.map() : Maps.aggregate(e.map(), m.display());
        Plane plane = Plane.of(map.slice(0));
        Box atInput = Localization.box(plane, threshold);
        boolean photo = !InputOptions.isNpy(file);
        BufferedImage picture = photo ? Images.read(file) : Overlay.photo(x);
        Box box = atInput.scaled(plane.W(), plane.H(), picture.getWidth(), picture.getHeight());
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("class", c);
        j.put("label", names.name(c));
        j.put("score", org.xai4j.explain.Target.softmax(z)[c]);
        j.put("logit", z[c]);
        j.put("method", m.name());
        j.put("layer", parameters.layer());
        j.put("threshold", threshold);
        j.put("box", java.util.Arrays.stream(box.toArray()).boxed().toList());
        j.put("image_size", List.of(picture.getWidth(), picture.getHeight()));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("box.json"), Json.write(j) + "\n");
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + dir.resolve("box.json") + ": " + ex.getMessage(), ex);
        }
        Overlay.writePng(drawn(picture, box, names.name(c) + String.format(Locale.ROOT, " %.2f", (double) j.get("score"))),
                dir.resolve("box.png"));
        return j;
    }

    /** The photo with the box drawn on it and the label above it. */
    static BufferedImage drawn(BufferedImage photo, Box box, String caption) {
        BufferedImage out = new BufferedImage(photo.getWidth(), photo.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(photo, 0, 0, null);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        float stroke = Math.max(2f, Math.min(photo.getWidth(), photo.getHeight()) / 150f);
        g.setStroke(new BasicStroke(stroke));
        g.setColor(new Color(255, 40, 40));
        g.drawRect(box.x0(), box.y0(), box.x1() - box.x0() - 1, box.y1() - box.y0() - 1);
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, Math.min(photo.getWidth(), photo.getHeight()) / 24));
        g.setFont(font);
        int textHeight = g.getFontMetrics().getHeight();
        int textWidth = g.getFontMetrics().stringWidth(caption);
        int ty = box.y0() >= textHeight ? box.y0() - textHeight : box.y0();
        g.fillRect(box.x0(), ty, textWidth + 8, textHeight);
        g.setColor(Color.WHITE);
        g.drawString(caption, box.x0() + 4, ty + g.getFontMetrics().getAscent());
        g.dispose();
        return out;
    }
}
