package org.xai4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Labels;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.ActivationGradient;
import org.xai4j.explain.Head;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameter;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Target;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.HtmlPage;
import org.xai4j.explain.image.Normalization;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.metrics.Box;
import org.xai4j.explain.metrics.Evaluation;
import org.xai4j.explain.metrics.Plane;
import org.xai4j.explain.metrics.SanityChecks;
import org.xai4j.explain.metrics.Substrate;
import org.xai4j.explain.metrics.ModelRandomization;
import org.xai4j.importers.PreprocessDetection;
import org.xai4j.train.shapes.Mark;
import org.xai4j.train.shapes.ShapeSample;
import org.xai4j.train.shapes.Shapes;
import org.xai4j.train.shapes.ShapesSpec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xai4j eval}: every method on every image and every metric on every map
 * ({@link Evaluation}), on the user's photos with their boxes or on synthetic shapes whose truth
 * the generator knows; per-row and summary CSVs and a self-contained report.
 */
@Command(name = "eval", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Runs every method on every image and every metric on every map. Writes DIR/metrics.csv (image, method, "
                + "metric, value), DIR/summary.csv (method, metric, mean and 95%% interval, n; CorLoc from the IoUs) and "
                + "DIR/report.html (self-contained: per image the photo, each method's overlay with its box and the truth's, "
                + "the prediction and the metric rows; then the summary table and the sanity-check figure). Metrics: pointing "
                + "(hit within --tolerance pixels of the object at the input resolution), energy (share of positive map "
                + "energy on the object), deletion and insertion (area under the class probability as pixels go or come, in "
                + "map order), iou (the localization box against the truth, original pixels), drop and increase (average "
                + "drop and increase in confidence), seconds."})
final class EvalCommand implements Callable<Integer> {
    static final String DEFAULT_METHODS = "saliency,gradxinput,ig,smoothgrad,guided-backprop,cam,gradcam,gradcam++";

    @Mixin
    ModelOptions model;

    static final class Source {
        @Option(names = "--images", paramLabel = "DIR", required = true, description = "A folder of photos.")
        Path images;

        @Option(names = "--synthetic", paramLabel = "N", required = true,
                description = "N images of the synthetic shapes set (truth from the generator: class, mask and box).")
        Integer synthetic;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--boxes", paramLabel = "FILE.json",
            description = "Truth for --images: {\"<image file name>\": [{\"class\": 243, \"box\": [x0, y0, x1, y1]}, ...]} in "
                    + "original pixels. The first box's class is explained; without a file, the predicted class and no "
                    + "localization metrics.")
    Path boxes;

    @Option(names = "--methods", paramLabel = "M1,M2,...", split = ",", defaultValue = DEFAULT_METHODS,
            description = "Methods (default: ${DEFAULT-VALUE}); those that do not apply to the model are skipped with a note.")
    List<String> methods;

    @Option(names = "--metrics", paramLabel = "M1,M2,...", split = ",",
            description = "Metrics (default: all): pointing, energy, deletion, insertion, iou, drop, increase, seconds.")
    List<String> metrics;

    @Mixin
    PixelOptions pixels;


    @Option(names = "--threshold", paramLabel = "F", defaultValue = "0.2", description = "Localization threshold (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--tolerance", paramLabel = "PIXELS", defaultValue = "15",
            description = "Pointing game tolerance in pixels at the input resolution (default: ${DEFAULT-VALUE}, Zhang et al.'s "
                    + "figure for inputs of about 224 pixels; at 64 x 64 it is a quarter of the image and nearly every map hits).")
    int tolerance;

    @Option(names = "--pixels-per-step", paramLabel = "N",
            description = "Deletion and insertion step (default: the input's width, RISE's 224 at 224 x 224).")
    Integer pixelsPerStep;

    @Option(names = "--deletion-substrate", paramLabel = "zeros|mean|blur", defaultValue = "zeros",
            description = "What deleted pixels become, in the model's input space (default: ${DEFAULT-VALUE}, as RISE).")
    String deletionSubstrate;

    @Option(names = "--insertion-substrate", paramLabel = "zeros|mean|blur", defaultValue = "blur",
            description = "Where insertion starts (default: ${DEFAULT-VALUE}, as RISE).")
    String insertionSubstrate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1000", description = "Seed of the synthetic images (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-sanity", description = "Skip the sanity-check figure (cascading randomization on the first image).")
    boolean noSanity;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "eval", description = "Where the files go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    /** One image: its name, what the model sees, the photo for pictures, and what is known of it. */
    record Item(String name, INDArray x, BufferedImage photo, Evaluation.Truth truth) {}

    @Override
    public Integer call() throws IOException {
        if (source.synthetic != null && (source.synthetic < 1 || source.synthetic > 100_000)) {
            throw new IllegalArgumentException("--synthetic must be 1 to 100000 images, got " + source.synthetic);
        }
        if (tolerance < 0) {
            throw new IllegalArgumentException("--tolerance must be 0 or more pixels, got " + tolerance);
        }
        if (boxes != null && source.images == null) {
            throw new IllegalArgumentException("--boxes goes with --images (--synthetic knows its truth)");
        }
        Graph graph = model.graph();
        Head head = Head.of(graph);
        Graph.Input in = graph.inputs().get(0);
        int side = pixels.side(in)[0];
        PreprocessDetection.Choice pre = pixels.preprocessing(model.file(), graph);
        pixels.warnIfGuessed(spec.commandLine().getErr());
        List<Method> chosen = new ArrayList<>();
        for (String name : new LinkedHashSet<>(methods)) {
            chosen.add(Methods.named(name.trim()));
        }
        Parameters parameters = Parameters.DEFAULT.withLayer(head.featureMaps());
        List<Method> runs = new ArrayList<>();
        for (Method m : chosen) {
            try {
                m.check().check(graph, head, m.takes(Parameter.LAYER) ? parameters : Parameters.DEFAULT);
                runs.add(m);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("xai4j: note: " + m.name() + " skipped: " + e.getMessage());
            }
        }
        List<Item> items = source.synthetic != null ? synthetic(source.synthetic, side, pre.preset()) : photos(side, pre.preset(), graph, head);
        int batchSize = batchSize(items.get(0).x());
        Evaluation.Settings settings = new Evaluation.Settings(threshold, tolerance, Substrate.parse(deletionSubstrate),
                Substrate.parse(insertionSubstrate), pixelsPerStep != null ? pixelsPerStep : side, batchSize,
                metrics == null ? java.util.Set.copyOf(Evaluation.METRICS) : java.util.Set.copyOf(metrics));
        // A model whose file fixes the batch at 1 gets a copy with a free batch when its rows stay
        // independent, so the perturbed copies and the methods' own steps go several a pass.
        Graph batched = Batching.withFreeBatch(graph, items.get(0).x(), head.at(graph, items.get(0).x()));
        Graph scoring = batched != null ? batched : graph;
        Files.createDirectories(out);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "model: %s  preprocess: %s (%s)  images: %d  methods: %s%n", model.file(), pre.preset().cliName(),
                pre.reason(), items.size(), runs.stream().map(Method::name).toList());
        List<double[]> logits = logits(scoring, head, items, ActivationGradient.rowsPerPass(scoring, batchSize));
        Labels names = labels.forModel(model.file(), logits.get(0).length);

        List<String> rows = new ArrayList<>(List.of("image,method,metric,value"));
        Map<String, Map<String, List<Double>>> byMethod = new LinkedHashMap<>();
        List<HtmlPage.Block> perImage = new ArrayList<>();
        long start = System.nanoTime();
        try (ImagesProgress progress = new ImagesProgress(spec.commandLine().getErr(), System.console() != null, items.size())) {
            for (int i = 0; i < items.size(); i++) {
                Item item = items.get(i);
                double[] z = logits.get(i);
                int c = item.truth().c() >= 0 ? item.truth().c() : Target.argmax(z);
                Evaluation.Truth truth = new Evaluation.Truth(c, item.truth().boxes(), item.truth().width(), item.truth().height(),
                        item.truth().mask());
                List<HtmlPage.Picture> pictures = new ArrayList<>();
                List<List<String>> table = new ArrayList<>();
                pictures.add(HtmlPage.picture(String.format(Locale.ROOT, "%s: truth %d %s, predicted %d %s (p %.3f)", item.name(),
                        c, names.name(c), Target.argmax(z), names.name(Target.argmax(z)), Target.softmax(z)[Target.argmax(z)]),
                        withBoxes(item.photo(), null, truth)));
                for (Method m : runs) {
                    Evaluation.Result r = Evaluation.of(scoring, item.x(), truth, m, parameters, settings);
                    List<String> cells = new ArrayList<>(List.of(m.name()));
                    for (Map.Entry<String, Double> v : r.values().entrySet()) {
                        rows.add(String.format(Locale.ROOT, "%s,%s,%s,%.6g", csv(item.name()), m.name(), v.getKey(), v.getValue()));
                        byMethod.computeIfAbsent(m.name(), k -> new LinkedHashMap<>()).computeIfAbsent(v.getKey(), k -> new ArrayList<>())
                                .add(v.getValue());
                    }
                    for (String metric : Evaluation.METRICS) {
                        Double v = r.values().get(metric);
                        cells.add(v == null ? "" : String.format(Locale.ROOT, "%.3f", v));
                    }
                    table.add(cells);
                    BufferedImage overlay = Overlay.over(item.photo(), mapAtPhoto(r.map(), item.photo()), Colormap.JET, 0.5,
                            Normalization.minMax());
                    Box box = r.box() == null ? null : r.box().scaled(r.map().W(), r.map().H(), item.photo().getWidth(), item.photo().getHeight());
                    pictures.add(HtmlPage.picture(m.name(), withBoxes(overlay, box, truth)));
                }
                List<String> header = new ArrayList<>(List.of("method"));
                header.addAll(Evaluation.METRICS);
                perImage.add(new HtmlPage.Section(item.name(), List.of(new HtmlPage.Grid(pictures), new HtmlPage.Table(header, table))));
                progress.advance(1);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.write(out.resolve("metrics.csv"), rows);

        List<String> summary = new ArrayList<>(List.of("method,metric,mean,ci_low,ci_high,n"));
        List<List<String>> summaryTable = new ArrayList<>();
        o.println();
        o.printf(Locale.ROOT, "%-16s %-10s %10s %20s %6s%n", "method", "metric", "mean", "95% interval", "n");
        for (Map.Entry<String, Map<String, List<Double>>> m : byMethod.entrySet()) {
            Map<String, List<Double>> values = new LinkedHashMap<>(m.getValue());
            if (values.containsKey("iou")) {
                values.put("corloc", values.get("iou").stream().map(v -> v >= 0.5 ? 1.0 : 0.0).toList());
            }
            for (Map.Entry<String, List<Double>> v : values.entrySet()) {
                Evaluation.Summary s = Evaluation.summary(v.getValue().stream().mapToDouble(Double::doubleValue).toArray());
                summary.add(String.format(Locale.ROOT, "%s,%s,%.6g,%.6g,%.6g,%d", m.getKey(), v.getKey(), s.mean(),
                        s.mean() - s.halfWidth(), s.mean() + s.halfWidth(), s.n()));
                summaryTable.add(List.of(m.getKey(), v.getKey(), String.format(Locale.ROOT, "%.4f", s.mean()),
                        String.format(Locale.ROOT, "[%.4f, %.4f]", s.mean() - s.halfWidth(), s.mean() + s.halfWidth()), Integer.toString(s.n())));
                o.printf(Locale.ROOT, "%-16s %-10s %10.4f  [%8.4f, %8.4f] %6d%n", m.getKey(), v.getKey(), s.mean(),
                        s.mean() - s.halfWidth(), s.mean() + s.halfWidth(), s.n());
            }
        }
        Files.write(out.resolve("summary.csv"), summary);
        o.printf(Locale.ROOT, "%n%d images, %d methods in %.1f s: %.2f images per second%n", items.size(), runs.size(), seconds,
                items.size() / seconds);

        List<HtmlPage.Block> blocks = new ArrayList<>();
        blocks.add(new HtmlPage.Paragraph(String.format(Locale.ROOT, "Model %s, preprocessing %s (%s), %d images, %.1f s "
                + "(%.2f images per second). Threshold %.2f, tolerance %d pixels, %d pixels per deletion/insertion step, "
                + "substrates %s/%s. Boxes: the method's (red) and the truth's (green).", model.file(), pre.preset().cliName(),
                pre.reason(), items.size(), seconds, items.size() / seconds, threshold, tolerance, settings.pixelsPerStep(),
                deletionSubstrate, insertionSubstrate)));
        blocks.add(new HtmlPage.Section("Summary", List.of(new HtmlPage.Table(List.of("method", "metric", "mean", "95% interval", "n"),
                summaryTable))));
        if (!noSanity) {
            blocks.add(sanity(graph, items.get(0), runs, parameters));
        }
        blocks.add(new HtmlPage.Section("Images", perImage));
        new HtmlPage("xai4j eval: " + model.file().getFileName(), blocks).write(out.resolve("report.html"));
        o.println("wrote " + out.resolve("metrics.csv") + ", " + out.resolve("summary.csv") + ", " + out.resolve("report.html"));
        return 0;
    }

    /**
     * Rows per forward pass for the perturbed copies and the clean predictions: about 2^20 input
     * values, at most 32 (32 rows at 3 x 64 x 64, 6 at 3 x 224 x 224). Large batches of large
     * images lose more to memory traffic than they save in per-pass costs: per row, MobileNet v2
     * at 224 x 224 took 7.4-8.4 ms at 4-8 rows a pass, 10.3 at 32 and 11.2 at 1; the shapes model
     * at 64 x 64 0.31-0.33 ms at 8-64 rows and 0.56 at 1 (fastest of 5 and 15 rounds, busy 2-core host).
     */
    static int batchSize(INDArray x) {
        return (int) Math.max(1, Math.min(32, (1L << 20) / x.length()));
    }

    /** The logits of every image, {@code rows} images a pass: each image's caption and, without a truth, its class. */
    private static List<double[]> logits(Graph graph, Head head, List<Item> items, int rows) {
        List<double[]> z = new ArrayList<>();
        for (int first = 0; first < items.size(); first += rows) {
            List<Item> part = items.subList(first, Math.min(items.size(), first + rows));
            INDArray x = part.size() == 1 ? part.get(0).x() : Nd4j.concat(0, part.stream().map(Item::x).toArray(INDArray[]::new));
            INDArray out = head.at(graph, x);
            for (int n = 0; n < part.size(); n++) {
                z.add(Predictions.row(out, n));
            }
        }
        return z;
    }

    /** Cascading randomization on the first image: the figure of maps per step, and its numbers. */
    private HtmlPage.Section sanity(Graph graph, Item first, List<Method> runs, Parameters parameters) {
        int n = ModelRandomization.layersTopDown(graph).size();
        int[] depths = java.util.stream.IntStream.of(1, Math.max(1, n / 2), n).distinct().toArray();
        int c = first.truth().c() >= 0 ? first.truth().c() : Target.argmax(Predictions.row(Head.of(graph).at(graph, first.x()), 0));
        List<HtmlPage.Picture> pictures = new ArrayList<>();
        List<List<String>> table = new ArrayList<>();
        for (Method m : runs) {
            pictures.add(HtmlPage.picture(m.name() + ": trained", SanityCommand.picture(SanityChecks.displayMap(m, parameters, graph, first.x(), c))));
            for (SanityChecks.Row r : SanityChecks.cascading(m, parameters, graph, first.x(), c, depths, 0)) {
                pictures.add(HtmlPage.picture(m.name() + ": top " + r.depth() + " of " + n + " random", SanityCommand.picture(r.map())));
                table.add(List.of(m.name(), Integer.toString(r.depth()), String.format(Locale.ROOT, "%.3f", r.spearman()),
                        String.format(Locale.ROOT, "%.3f", r.ssim()), String.format(Locale.ROOT, "%.3f", r.hog())));
            }
        }
        return new HtmlPage.Section("Sanity check (" + first.name() + ", cascading randomization from the classifier down)",
                List.of(new HtmlPage.Grid(pictures), new HtmlPage.Table(List.of("method", "layers redrawn", "Spearman", "SSIM", "HOG"), table)));
    }

    /** The synthetic shapes set from --seed: image i, its class, its box and its exact mask. */
    private List<Item> synthetic(int n, int side, Preprocess preset) {
        Shapes shapes = new Shapes(seed, ShapesSpec.DEFAULT.withSize(side).withMark(Mark.NONE));
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ShapeSample s = shapes.sample(i);
            BufferedImage photo = s.image();
            INDArray x = preset.apply(Images.rgb(photo));
            double[] mask = new double[side * side];
            for (int p = 0; p < mask.length; p++) {
                mask[p] = s.mask()[p] != 0 ? 1 : 0;
            }
            items.add(new Item(String.format(Locale.ROOT, "shape_%05d", i), x, photo,
                    new Evaluation.Truth(s.label(), List.of(Box.of(s.box())), side, side, new Plane(side, side, mask))));
        }
        return items;
    }

    /** The photos of --images, resized whole to the input size, with --boxes as truth. */
    private List<Item> photos(int side, Preprocess preset, Graph graph, Head head) throws IOException {
        JsonObject truth = boxes == null ? new JsonObject() : readBoxes(boxes);
        List<Item> items = new ArrayList<>();
        for (Path f : InputFiles.expand(List.of(source.images.toString()))) {
            if (InputOptions.isNpy(f)) {
                continue;
            }
            BufferedImage photo = Images.read(f);
            INDArray x = preset.apply(Images.resize(Images.rgb(photo), side, side));
            String name = f.getFileName().toString();
            List<Box> boxesOf = new ArrayList<>();
            int c = -1;
            if (truth.has(name)) {
                for (JsonElement e : truth.getAsJsonArray(name)) {
                    JsonObject b = e.getAsJsonObject();
                    if (c < 0) {
                        c = b.get("class").getAsInt();
                    }
                    if (b.get("class").getAsInt() == c) {
                        JsonArray a = b.getAsJsonArray("box");
                        boxesOf.add(new Box(a.get(0).getAsInt(), a.get(1).getAsInt(), a.get(2).getAsInt(), a.get(3).getAsInt()));
                    }
                }
            }
            items.add(new Item(name, x, photo, new Evaluation.Truth(c, boxesOf, photo.getWidth(), photo.getHeight(), null)));
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException(source.images + ": no photos found");
        }
        return items;
    }

    private static JsonObject readBoxes(Path file) {
        try {
            if (Files.size(file) > 64L << 20) {
                throw new IllegalArgumentException(file + ": a boxes file over 64 MB is not accepted");
            }
            JsonElement root = JsonParser.parseString(Files.readString(file));
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException(file + ": expected {\"<image file name>\": [{\"class\": c, \"box\": [x0, y0, x1, y1]}]}");
            }
            return root.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException(file + ": not a boxes file (" + e.getMessage() + "); expected {\"<image file name>\": "
                    + "[{\"class\": c, \"box\": [x0, y0, x1, y1]}]}", e);
        }
    }

    /** The map resized to the photo. */
    private static INDArray mapAtPhoto(Plane map, BufferedImage photo) {
        INDArray m = map.array().reshape(1, 1, map.H(), map.W()).castTo(DataType.FLOAT);
        return Images.resize(m, photo.getHeight(), photo.getWidth()).reshape(photo.getHeight(), photo.getWidth());
    }

    /** The picture with the method's box in red and the truth's in green. */
    private static BufferedImage withBoxes(BufferedImage picture, Box box, Evaluation.Truth truth) {
        BufferedImage out = new BufferedImage(picture.getWidth(), picture.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(picture, 0, 0, null);
        g.setStroke(new java.awt.BasicStroke(Math.max(1f, picture.getWidth() / 100f)));
        g.setColor(new Color(40, 200, 40));
        for (Box b : truth.boxes()) {
            g.drawRect(b.x0(), b.y0(), b.x1() - b.x0() - 1, b.y1() - b.y0() - 1);
        }
        if (box != null) {
            g.setColor(new Color(255, 40, 40));
            g.drawRect(box.x0(), box.y0(), box.x1() - box.x0() - 1, box.y1() - box.y0() - 1);
        }
        g.dispose();
        return out;
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
