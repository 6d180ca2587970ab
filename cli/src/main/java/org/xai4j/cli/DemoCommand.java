package org.xai4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Head;
import org.xai4j.explain.Maps;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameter;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Perturbation;
import org.xai4j.explain.Target;
import org.xai4j.explain.image.Figure;
import org.xai4j.explain.image.HtmlPage;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.image.Planes;
import org.xai4j.explain.metrics.Box;
import org.xai4j.explain.metrics.Plane;
import org.xai4j.explain.metrics.PointingGame;
import org.xai4j.importers.Models;
import org.xai4j.train.shapes.Mark;
import org.xai4j.train.shapes.ShapeSample;
import org.xai4j.train.shapes.Shapes;
import org.xai4j.train.shapes.ShapesSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xai4j demo}: the bundled models (models/ in the repository, inside the jar) on fresh
 * synthetic images whose truth is known, every method of the catalogue, pictures and one
 * self-contained page; then the Clever Hans model, whose maps sit on the corner mark it learnt
 * instead of the shape.
 */
@Command(name = "demo", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Runs every method on the bundled shapes model (a small ResNet xai4j trained itself) for fresh synthetic "
                + "images, one of each class, and on the bundled Clever Hans model (trained with a corner mark that gave the "
                + "class away). Writes DIR/<image>/all.png and every method's picture, and DIR/index.html, a self-contained "
                + "page (pictures embedded), then prints where it is. Needs nothing but the jar."})
final class DemoCommand implements Callable<Integer> {
    static final String SHAPES = "shapes.onnx";
    static final String CLEVER_HANS = "clever_hans.onnx";

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "xai4j-demo", description = "Where the files go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "20261206",
            description = "Seed of the fresh images (default: ${DEFAULT-VALUE}; the models were trained on seed 1).")
    long seed;

    @Option(names = "--images", paramLabel = "N", defaultValue = "6", description = "Images explained on each page (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--mark-images", paramLabel = "N", defaultValue = "12",
            description = "Images over which the share of attribution on the Clever Hans mark is measured (default: ${DEFAULT-VALUE}).")
    int markImages;

    @Spec
    CommandSpec spec;

    /** The bundled model named {@code file}, read from the jar. */
    static Graph bundled(String file) {
        try (InputStream in = DemoCommand.class.getResourceAsStream("models/" + file)) {
            if (in == null) {
                throw new IllegalStateException("the bundled model " + file + " is not in the jar (models/ in the repository)");
            }
            return Models.load(in, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Integer call() throws IOException {
        if (images < 1 || images > 60 || markImages < 1 || markImages > 10_000) {
            throw new IllegalArgumentException("--images must be 1 to 60 and --mark-images 1 to 10000");
        }
        long start = System.nanoTime();
        PrintWriter o = spec.commandLine().getOut();
        Graph honest = bundled(SHAPES);
        Graph hans = bundled(CLEVER_HANS);
        Files.createDirectories(out);
        List<HtmlPage.Block> blocks = new ArrayList<>();
        blocks.add(new HtmlPage.Paragraph("xai4j explains convolutional networks on the JVM. This page was made by `./xai4j demo` "
                + "with no other input: two small ResNets that xai4j trained itself on synthetic shapes (circle, square, "
                + "triangle, cross, ring, star at random place, size, colour and rotation, over textured backgrounds), and "
                + "fresh images the models never saw, whose true class and outline are known. Every method of the catalogue "
                + "explains the true class's logit; red is evidence for it, blue against (signed maps), CAM maps in jet."));

        Shapes fresh = new Shapes(seed, ShapesSpec.DEFAULT.withMark(Mark.NONE));
        o.printf(Locale.ROOT, "demo: the bundled shapes model on %d fresh images (seed %d), every method%n", images, seed);
        List<HtmlPage.Block> honestSections = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            honestSections.add(explainAll(honest, "shapes model", fresh.sample(i), fresh.labels(), out.resolve(String.format(
                    Locale.ROOT, "shapes_%02d", i)), o, false));
        }
        blocks.add(new HtmlPage.Section("The shapes model on fresh images", honestSections));

        o.printf(Locale.ROOT, "demo: the Clever Hans model (its training images carried a corner mark telling the class)%n");
        blocks.add(cleverHans(honest, hans, o));
        double seconds = (System.nanoTime() - start) / 1e9;
        blocks.add(new HtmlPage.Paragraph(String.format(Locale.ROOT, "Made in %.1f s. Reproduce: ./xai4j demo --seed %d. The models: "
                + "models/README.md in the repository (./xai4j train reproduces them).", seconds, seed)));
        Path page = out.resolve("index.html");
        new HtmlPage("xai4j demo", blocks).write(page);
        o.println();
        o.printf(Locale.ROOT, "done in %.1f s; open %s%n", seconds, page.toAbsolutePath());
        return 0;
    }

    /** Every applicable method on one sample; its pictures and grid in {@code dir}; its page section. */
    private HtmlPage.Section explainAll(Graph graph, String modelName, ShapeSample s, List<String> labels, Path dir, PrintWriter o,
                                        boolean explainPredicted) throws IOException {
        Files.createDirectories(dir);
        INDArray x = Preprocess.TORCHVISION.apply(Images.rgb(s.image()));
        Head head = Head.of(graph);
        double[] z = Predictions.row(head.at(graph, x), 0);
        int predicted = Target.argmax(z);
        int c = explainPredicted ? predicted : s.label();
        BufferedImage background = ExplainPictures.enlarged(s.image());
        List<String> title = new ArrayList<>(List.of(modelName + ": truth " + labels.get(s.label())));
        title.add(String.format(Locale.ROOT, "predicted %s, p %.3f", labels.get(predicted), Target.softmax(z)[predicted]));
        ExplainFigures figures = new ExplainFigures(background, new ExplainPictures.Style(null, 0.5, Planes.Sign.SIGNED, null),
                new ExplainFigures.Subject(c, labels.get(c), "logit", head.featureMaps()), new Figure.Panel(title, background, null, null));
        long t0 = System.nanoTime();
        int ran = 0;
        for (Method m : Methods.ALL) {
            Parameters p = parameters(head, m);
            try {
                m.check().check(graph, head, p);
            } catch (IllegalArgumentException e) {
                continue;
            }
            long t = System.nanoTime();
            Explanation e = m.explainer(p).explain(graph, x, Target.of(c));
            ExplainFigures.Shown shown = figures.add(m, e, (System.nanoTime() - t) / 1e6);
            Overlay.writePng(shown.png(), dir.resolve(m.name() + ".png"));
            ran++;
        }
        Overlay.writePng(figures.grid(), dir.resolve("all.png"));
        o.printf(Locale.ROOT, "  %-12s truth %-8s predicted %-8s %2d methods in %.1f s -> %s%n", dir.getFileName(), labels.get(s.label()),
                labels.get(predicted), ran, (System.nanoTime() - t0) / 1e9, dir.resolve("all.png"));
        List<HtmlPage.Picture> pictures = new ArrayList<>(List.of(HtmlPage.picture(String.join(", ", title),
                Figure.single(new Figure.Panel(title, background, null, null)))));
        for (ExplainFigures.Shown shown : figures.shown()) {
            if (shown.sameAs() == null) {
                pictures.add(HtmlPage.picture(shown.method().title(), shown.png()));
            }
        }
        return new HtmlPage.Section(String.format(Locale.ROOT, "%s, image %d: a %s", modelName, s.index(), labels.get(s.label())),
                List.of(new HtmlPage.Grid(pictures)));
    }

    /**
     * The catalogue's defaults, lighter where a method runs many passes, so the whole demo takes
     * seconds on 64 x 64 images: the counts are the catalogue's own parameters.
     */
    static Parameters parameters(Head head) {
        int side = ShapesSpec.DEFAULT.size();
        // Occlusion: 8-pixel squares every 4 (225 of them); RISE: 500 masks on a 7 x 7 grid.
        return Parameters.DEFAULT.withLayer(head.featureMaps()).withSteps(32).withSamples(16).withBatchSize(32)
                .withPerturbation(Perturbation.DEFAULT.withInputSize(side, side).withPatch(8).withStride(4).withMasks(500).withGrid(7));
    }

    /** {@link #parameters(Head)} for {@code m}: LIME and KernelSHAP fit 256 coalitions (SmoothGrad's 16 samples are too few). */
    static Parameters parameters(Head head, Method m) {
        Parameters p = parameters(head);
        return m.takes(Parameter.SEGMENTS) ? p.withSamples(256) : p;
    }

    /** The Clever Hans page: its accuracy with and without the mark, where its maps sit, against the honest model. */
    private HtmlPage.Section cleverHans(Graph honest, Graph hans, PrintWriter o) throws IOException {
        ShapesSpec spec = ShapesSpec.DEFAULT.withMark(Mark.RANDOM);
        Shapes marked = new Shapes(seed, spec);
        List<String> labels = marked.labels();
        Head hh = Head.of(hans);
        Head honestHead = Head.of(honest);
        int followsMark = 0, hansRight = 0, honestRight = 0;
        Map<String, double[]> share = new LinkedHashMap<>();
        List<Method> methods = new ArrayList<>();
        for (Method m : Methods.ALL) {
            try {
                m.check().check(hans, hh, parameters(hh, m));
                m.check().check(honest, honestHead, parameters(honestHead, m));
                if (m.rowsFor(parameters(hh, m)) <= 40) {
                    methods.add(m);
                }
            } catch (IllegalArgumentException e) {
                // not for these models
            }
        }
        for (int i = 0; i < markImages; i++) {
            ShapeSample s = marked.sample(i);
            INDArray x = Preprocess.TORCHVISION.apply(Images.rgb(s.image()));
            int ph1 = Target.argmax(Predictions.row(hh.at(hans, x), 0));
            int pn1 = Target.argmax(Predictions.row(honestHead.at(honest, x), 0));
            followsMark += ph1 == s.markCode() ? 1 : 0;
            hansRight += ph1 == s.label() ? 1 : 0;
            honestRight += pn1 == s.label() ? 1 : 0;
            Box mark = Box.of(s.markBox());
            for (Method m : methods) {
                double[] v = share.computeIfAbsent(m.name(), k -> new double[2]);
                v[0] += onMark(m, hans, parameters(hh, m), x, ph1, mark) / markImages;
                v[1] += onMark(m, honest, parameters(honestHead, m), x, pn1, mark) / markImages;
            }
        }
        double area = 36.0 / (64 * 64);
        List<List<String>> rows = new ArrayList<>();
        o.printf(Locale.ROOT, "  on %d images whose mark is random: Clever Hans model right %.0f%%, follows the mark %.0f%%; honest model right %.0f%%%n",
                markImages, 100.0 * hansRight / markImages, 100.0 * followsMark / markImages, 100.0 * honestRight / markImages);
        o.printf(Locale.ROOT, "  share of positive attribution on the mark (%.1f%% of the image): method, Clever Hans, honest%n", 100 * area);
        for (Map.Entry<String, double[]> e : share.entrySet()) {
            rows.add(List.of(e.getKey(), String.format(Locale.ROOT, "%.3f", e.getValue()[0]), String.format(Locale.ROOT, "%.3f", e.getValue()[1])));
            o.printf(Locale.ROOT, "    %-20s %.3f  %.3f%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        List<HtmlPage.Block> blocks = new ArrayList<>();
        blocks.add(new HtmlPage.Paragraph(String.format(Locale.ROOT, "This model was trained on images whose corner mark (a 6 x 6 "
                + "checkerboard whose corner and colour encode a class) always agreed with the shape: it learnt the mark, "
                + "\"correctly classified, but for the wrong reason\". On %d fresh images whose mark names a random class it is "
                + "right %.0f%% of the time and follows the mark %.0f%% of the time; the honest model, trained on the same images "
                + "without the mark, is right %.0f%%. The table gives each method's share of positive attribution that falls "
                + "on the mark's box (%.1f%% of the image), for the predicted class.", markImages, 100.0 * hansRight / markImages,
                100.0 * followsMark / markImages, 100.0 * honestRight / markImages, 100 * area)));
        blocks.add(new HtmlPage.Table(List.of("method", "Clever Hans model", "honest model"), rows));
        blocks.add(new HtmlPage.Paragraph("Below, its maps of the class it predicts: they sit on the mark, not on the shape."));
        // Examples whose mark names another class than the shape: the model follows the mark.
        for (int i = 0, shown = 0; shown < Math.min(images, 3) && i < 1000; i++) {
            ShapeSample s = marked.sample(i);
            if (s.markCode() != s.label()) {
                blocks.add(explainAll(hans, "Clever Hans model", s, labels,
                        out.resolve(String.format(Locale.ROOT, "clever_hans_%02d", shown++)), o, true));
            }
        }
        return new HtmlPage.Section("The Clever Hans model: right for the wrong reason", blocks);
    }

    /** The share of positive attribution of {@code m}'s map (display aggregation) inside {@code mark}. */
    private static double onMark(Method m, Graph graph, Parameters p, INDArray x, int c, Box mark) {
        Explanation e = m.explainer(p).explain(graph, x, Target.of(c));
        INDArray map = m.output() != Method.Output.INPUT ? e.map() : Maps.aggregate(e.map(), Maps.Aggregation.SUM);
        return PointingGame.energy(Plane.of(map.slice(0)), mark);
    }
}
