package org.xai4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
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
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.MemoryBudget;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.io.Labels;
import org.xai4j.explain.Attribution;
import org.xai4j.explain.AugmentedGradCam;
import org.xai4j.explain.BackwardRules;
import org.xai4j.explain.CamResult;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Fill;
import org.xai4j.explain.Head;
import org.xai4j.explain.IntegratedGradients;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameter;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Perturbation;
import org.xai4j.explain.Quadrature;
import org.xai4j.explain.Scores;
import org.xai4j.explain.Target;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.Figure;
import org.xai4j.explain.image.Normalization;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.image.Planes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code xai4j explain}: one explanation method (or all of them) for one class on one photo or
 * tensor, written as {@code .npy} arrays, PNG overlays and a JSON record per method
 * ({@link ExplainRecords}). The methods, their options' help and their records' parameters are
 * the explain module's catalogue ({@link Methods}); this class parses, checks everything that can
 * be checked before a pass, and loops.
 *
 * <p>Every method explains the same class, chosen once from one forward pass: the predicted one
 * ({@code --target top}) or the one given. The score is the pre-softmax logit; a model that ends
 * in a softmax is explained at the softmax's input ({@link Head}).
 */
@Command(name = "explain", sortOptions = false, mixinStandardHelpOptions = true, resourceBundle = "org.xai4j.cli.ExplainHelp",
        description = {"Explains a model's score for one class on a photo or .npy tensor. Writes DIR/<method>.npy "
                + "(input-shaped methods: the raw 1xCxHxW attribution; CAM methods: the HxW upsampled map after the "
                + "ReLU, unnormalised, and DIR/<method>_raw.npy at the layer's h x w), DIR/<method>.png (the map over "
                + "the photo at the photo's own aspect ratio, with a title and a colour bar) and DIR/<method>.json "
                + "(class, score, parameters, milliseconds, picture settings, same_as when an earlier method gave the "
                + "same map up to a positive factor). Then DIR/all.png (the input, the prediction and every distinct "
                + "map in a grid at most 1600 pixels wide) and DIR/index.html (a self-contained page: the input, the "
                + "prediction table, the parameters and every method's picture)."},
        footerHeading = "%nMethods (the options each one reads in brackets):%n", footer = "${bundle:methods}")
final class ExplainCommand implements Callable<Integer> {
    static final String ALL = "all";

    @Mixin
    ModelOptions model;

    @Mixin
    InputOptions input;

    @Option(names = "--method", required = true, paramLabel = "METHOD", converter = ExplainConverters.MethodName.class,
            description = "${bundle:method.names}, or all (listed below).")
    String method;

    @Option(names = "--layer", paramLabel = "NODE",
            description = {"${bundle:users.layer}: the layer whose feature maps are weighted, a node name or alias as "
                    + "`xai4j layers` prints. Default: the input of the model's last global pooling node (the last "
                    + "feature maps before pooling). cam also needs that pooling to feed the classifier (Linear or 1x1 "
                    + "convolution) giving the logits. The model's input, the logits and anything after the pooling "
                    + "are refused: they hold no feature maps."})
    String layer;

    @Mixin
    TargetOptions targets;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "32", converter = ExplainConverters.Count.class,
            description = "${bundle:users.steps}: gradient evaluations along the path (default: ${DEFAULT-VALUE}; at most "
                    + "${bundle:limit.steps}).")
    long steps;

    @Option(names = "--rule", paramLabel = "RULE", defaultValue = "right", converter = ExplainConverters.Rule.class,
            description = "${bundle:users.rule}: right (default: alphas k/N, k = 1..N), left, midpoint, trapezoid or "
                    + "gauss-legendre.")
    Quadrature rule;

    @Option(names = "--baseline", paramLabel = "black|white|noise|blur[:S]|FILE.npy", defaultValue = "black",
            description = {"${bundle:users.baseline}: the reference input. For a photo, black and white are the black and "
                    + "white photo through --preprocess; for a tensor, black is zeros and white each channel at its "
                    + "maximum. noise: uniform over the input's range (--seed); blur: the input blurred by a Gaussian of "
                    + "S pixels (default 10); FILE.npy: an array shaped like the input. Default: black."})
    String baseline;

    @Option(names = "--samples", paramLabel = "N", converter = ExplainConverters.Count.class,
            description = "${bundle:users.samples}: noisy copies averaged, or coalitions of segments scored (default: 25; "
                    + "lime and kernelshap: ${bundle:surrogate.samples}; at most ${bundle:limit.samples}).")
    Long samples;

    @Option(names = "--sigma", paramLabel = "S", defaultValue = "0.15", converter = ExplainConverters.NonNegative.class,
            description = "${bundle:users.sigma}: noise standard deviation as a fraction of the input's max - min "
                    + "(default: ${DEFAULT-VALUE}).")
    double sigma;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the noise (${bundle:users.seed}, --baseline noise; default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", converter = ExplainConverters.Count.class,
            description = "${bundle:users.batch_size}: inputs per forward pass (default: ${DEFAULT-VALUE}; at most "
                    + "${bundle:limit.batch_size}).")
    long batchSize;

    @Option(names = "--patch", paramLabel = "P", defaultValue = "16", converter = ExplainConverters.Count.class,
            description = "${bundle:users.patch}: side of the square hidden, in input pixels (default: ${DEFAULT-VALUE}).")
    long patch;

    @Option(names = "--stride", paramLabel = "S", defaultValue = "8", converter = ExplainConverters.Count.class,
            description = "${bundle:users.stride}: step between hidden squares, in input pixels (default: ${DEFAULT-VALUE}).")
    long stride;

    @Option(names = "--fill", paramLabel = "VALUE|mean|blur[:S]", defaultValue = "0", converter = ExplainConverters.FillValue.class,
            description = "${bundle:users.fill}: what hidden pixels become in the model's input (after --preprocess): a "
                    + "number in every channel, mean (each channel's mean over the input) or blur (the input blurred by a "
                    + "Gaussian of S pixels, default 10). Default: 0.")
    Fill fill;

    @Option(names = "--masks", paramLabel = "N", defaultValue = "4000", converter = ExplainConverters.Count.class,
            description = "${bundle:users.masks}: random masks (default: ${DEFAULT-VALUE}; at most ${bundle:limit.masks}).")
    long masks;

    @Option(names = "--grid", paramLabel = "S", defaultValue = "7", converter = ExplainConverters.Count.class,
            description = "${bundle:users.grid}: each mask is S x S random cells, upsampled (default: ${DEFAULT-VALUE}).")
    long grid;

    @Option(names = "--keep", paramLabel = "P", defaultValue = "0.5", converter = ExplainConverters.OpenUnit.class,
            description = "${bundle:users.keep}: probability that a mask cell keeps its pixels, in (0, 1) (default: "
                    + "${DEFAULT-VALUE}).")
    double keep;

    @Option(names = "--segments", paramLabel = "FILE.npy",
            description = "${bundle:users.segments}: an integer H x W label map at the model's input size (np.save), one "
                    + "label >= 0 per pixel. Default: SLIC superpixels of the input (about ${bundle:slic.superpixels}, "
                    + "compactness ${bundle:slic.compactness}).")
    Path segments;

    @Option(names = "--relu-only",
            description = "${bundle:users.rectifiers}: apply the rule to ReLU only and leave ReLU6 (Clip(0,6)) its "
                    + "ordinary gradient, as Captum does. Default: ReLU and ReLU6.")
    boolean reluOnly;

    // Integrated gradients to a requested accuracy, and Augmented Grad-CAM (issue 13).
    @Option(names = "--gap", paramLabel = "F", defaultValue = "0", converter = ExplainConverters.NonNegative.class,
            description = "${bundle:users.gap}: refine the rule (reusing every point) until the completeness gap is at most F "
                    + "times |score(x) - score(baseline)|, e.g. 0.01; --steps is then the cap (default "
                    + IntegratedGradients.GAP_CAP + "), and reaching it is a warning. Default: 0, exactly --steps.")
    double gap;

    @Option(names = "--augmentations", paramLabel = "L", defaultValue = "" + AugmentedGradCam.AUGMENTATIONS,
            converter = ExplainConverters.Count.class,
            description = "${bundle:users.augmentations}: rotated and shifted copies of the input (default: ${DEFAULT-VALUE}; "
                    + "at most ${bundle:limit.augmentations}).")
    long augmentations;

    @Option(names = "--lambda", paramLabel = "W", defaultValue = "" + AugmentedGradCam.LAMBDA,
            converter = ExplainConverters.NonNegative.class,
            description = "${bundle:users.lambda}: weight of the total variation of the high-resolution map (default: "
                    + "${DEFAULT-VALUE}, for maps scaled to a largest value of 1).")
    double lambda;

    @Option(names = "--mu", paramLabel = "W", defaultValue = "" + AugmentedGradCam.MU, converter = ExplainConverters.NonNegative.class,
            description = "${bundle:users.mu}: weight of the squared norm of the high-resolution map (default: ${DEFAULT-VALUE}).")
    double mu;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + AugmentedGradCam.ITERATIONS,
            converter = ExplainConverters.Count.class,
            description = "${bundle:users.iterations}: subgradient descent iterations (default: ${DEFAULT-VALUE}; at most "
                    + "${bundle:limit.iterations}).")
    long iterations;

    @Option(names = "--step", paramLabel = "S", defaultValue = "0", converter = ExplainConverters.NonNegative.class,
            description = "${bundle:users.step}: subgradient descent step, divided by sqrt(k + 1) at iteration k. Default: 0, "
                    + "1 / (L h w / (H W) + mu), the inverse of the data term's curvature bound.")
    double step;

    @Option(names = "--float64",
            description = "Compute in float64 (slower), with the file's float32 weights used exactly (ONNX batch norms "
                    + "are kept, not folded): float32 rounding can flip a ReLU kink and switch a whole gradient path. "
                    + "Files are still written as float32.")
    boolean float64;

    @Option(names = "--sign", paramLabel = "signed|abs|positive", defaultValue = "signed", converter = ExplainConverters.Sign.class,
            description = {"What pictures of input-shaped maps show, one value per pixel. signed (default): the sign "
                    + "kept (sum over channels, or the channel of largest magnitude where the method's own picture is "
                    + "max_c |a_c|) in a diverging colour map centred at 0; abs: the method's own aggregation of "
                    + "magnitudes (max_c |a_c| for gradients, |sum_c a_c| for gradient x input and IG); positive: the "
                    + "signed value where above 0. CAM maps are never negative and are drawn as they are."})
    Planes.Sign sign;

    @Option(names = "--clip", paramLabel = "LOW,HIGH", converter = ExplainConverters.Clip.class,
            description = {"Percentiles of each map that bound its colours; values outside take the end colours. "
                    + "Default: 1,99 for input-shaped maps (a few extreme gradients would leave the rest pale), 0,100 "
                    + "(minimum to maximum) for CAM maps. Signed maps use [-m, m], m the larger magnitude of the two "
                    + "percentiles, so 0 stays in the middle."})
    Normalization clip;

    @Option(names = "--colormap", paramLabel = "NAME", converter = ExplainConverters.ColormapName.class,
            description = {"Colour map of every picture: jet, turbo, viridis, inferno, gray (sequential) or rdbu_r, "
                    + "coolwarm (diverging: negative blue, 0 in the middle, positive red). Default: jet for CAM maps "
                    + "and --sign abs|positive, rdbu_r for signed maps."})
    Colormap colormap;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "0.5", converter = ExplainConverters.Alpha.class,
            description = "Opacity of the map over the photo, from 0 (photo only) to 1 (map only); default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where the files go (created if needed). Default: explanations/<input file name "
                    + "without extension> in the current directory; for several inputs, explanations/ with one "
                    + "subfolder per input and index.json, index.html.")
    Path out;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        checkLimits();
        Graph graph = float64 ? Float64.load(model.file()) : model.graph();
        List<Method> methods = method.equals(ALL) ? Methods.ALL : List.of(Methods.named(method));
        // Names are checked before any pass through the model, so a typo costs no waiting.
        Head head = Head.of(graph);
        String layerName = takes(methods, Parameter.LAYER) ? chooseLayer(graph, head, methods) : null;
        Graph.Input in = onlyInput(graph);
        return input.many() ? explainMany(graph, head, layerName, methods, in) : explainOne(graph, head, layerName, methods, in);
    }

    /** One input: the files go to DIR itself (one target) or to DIR/<class>_<label> (several). */
    private int explainOne(Graph graph, Head head, String layerName, List<Method> methods, Graph.Input in) {
        boolean photo = !InputOptions.isNpy(input.file());
        if (photo) {
            input.preprocessing(model.file(), graph);
        }
        INDArray x = tensor(graph, in, input.file());
        String described = input.describe();

        // One forward pass chooses the class that every method then explains; its time sizes the estimate.
        long start = System.nanoTime();
        INDArray z = head.at(graph, x);
        double forwardMs = (System.nanoTime() - start) / 1e6;
        List<Explained> whats = explained(head, z, 0);
        // null: the model takes one row only, so the batched methods go one row at a time.
        Graph batched = takes(methods, Parameter.BATCH_SIZE) ? Batching.withFreeBatch(graph, x, z) : graph;
        Parameters parameters = parameters(methods, layerName, x, photo, batched != null);
        List<Method> runs = applicable(methods, graph, head, parameters);
        Path dir = out != null ? out : Path.of("explanations", stem(input.file()));
        createDirectories(dir);
        PrintWriter o = spec.commandLine().getOut();
        printHeader(o, described, head, whats, layerName, dir);

        BufferedImage background = ExplainPictures.background(photo ? input.file() : null, x);
        DoubleSupplier forwardAgain = () -> {
            long t = System.nanoTime();
            head.at(graph, x);
            return (System.nanoTime() - t) / 1e6;
        };
        List<Method> work = new ArrayList<>();
        whats.forEach(w -> work.addAll(runs));
        try (ExplainProgress progress = ExplainProgress.start(spec.commandLine().getErr(), System.console() != null, work,
                graph, x.shape(), m -> of(m, parameters), forwardMs, forwardAgain)) {
            for (Explained what : whats) {
                Path d = dir;
                if (whats.size() > 1) {
                    d = dir.resolve(TargetOptions.folder(what.c(), what.label()));
                    createDirectories(d);
                    progress.println(o, "");
                    progress.println(o, "class " + what.c() + " (" + what.label() + "): " + d);
                }
                Outputs outputs = new Outputs(graph, head, d, input.file(), described, x, photo, background, what, layerName);
                for (Method m : runs) {
                    long t0 = System.nanoTime();
                    Explanation e = m.explainer(of(m, parameters).withProgress(progress))
                            .explain(batched == null ? graph : batched, x, Target.of(what.c()));
                    double ms = (System.nanoTime() - t0) / 1e6;
                    progress.finished(m);
                    progress.println(o, outputs.add(m, e, of(m, parameters), ms));
                }
                Path[] written = outputs.finish(parameters, runs);
                o.println();
                o.println("figure: " + written[0]);
                o.println("page:   " + written[1]);
            }
        }
        return 0;
    }

    /**
     * Several inputs (files, a folder, a pattern): the model read once, its plans compiled once,
     * inputs in groups of --batch-size. Methods of one pass per row run on the whole group at
     * once when the model takes batches; the others one input at a time. Each input's files go to
     * its subfolder, laid out as one input's; an input that fails is reported and skipped.
     */
    private int explainMany(Graph graph, Head head, String layerName, List<Method> methods, Graph.Input in) {
        List<Path> files = input.files();
        input.preprocessing(model.file(), graph);
        Map<Path, String> subfolders = InputFiles.subfolders(files);
        Path root = out != null ? out : Path.of("explanations");
        createDirectories(root);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        o.println("model:  " + model.file());
        o.println(input.preprocessLine());
        o.println("inputs: " + files.size() + " files");
        o.println("target: " + String.join(", ", targets.requested()));
        if (layerName != null) {
            o.println("layer:  " + layerName + (layer != null ? "" : " (default: the input of global pooling '" + head.pooling() + "')"));
        }
        o.println("out:    " + root);
        o.println();

        Map<String, Object> run = new LinkedHashMap<>();
        run.put("model", model.file().toString());
        run.putAll(input.preprocessJson(true));
        run.put("methods", methods.stream().map(Method::name).toList());
        run.put("targets", targets.requested());
        run.put("layer", layerName);
        run.put("precision", float64 ? "float64" : "float32");
        BatchIndex index = new BatchIndex("explain", root, run);
        Many many = new Many(graph, head, layerName, methods, in, index, o, err);
        try (ImagesProgress progress = new ImagesProgress(err, System.console() != null, files.size())) {
            many.progress = progress;
            for (int from = 0; from < files.size(); from += (int) batchSize) {
                List<Path> group = files.subList(from, (int) Math.min(files.size(), from + batchSize));
                many.group(group, subfolders);
                progress.advance(group.size());
            }
        }
        return index.finish(o);
    }

    /** One input of a many-input run: its file, subfolder, index record and, once read, its tensor. */
    private static final class Item {
        final Path file;
        final String subfolder;
        final Map<String, Object> record;
        INDArray x;
        boolean photo;
        BufferedImage background;
        List<Explained> whats;
        Explained predicted;
        final Map<Integer, Outputs> outputs = new LinkedHashMap<>();
        final Map<Integer, Map<String, Object>> files = new LinkedHashMap<>();

        Item(Path file, String subfolder, Map<String, Object> record) {
            this.file = file;
            this.subfolder = subfolder;
            this.record = record;
        }
    }

    /** The state of a many-input run: what is decided on its first input and reused for every other. */
    private final class Many {
        final Graph graph;
        final Head head;
        final String layerName;
        final List<Method> methods;
        final Graph.Input in;
        final BatchIndex index;
        final PrintWriter o;
        final PrintWriter err;
        ImagesProgress progress;
        Graph batched;
        boolean batchedKnown;
        boolean together = true;
        List<Method> runs;

        Many(Graph graph, Head head, String layerName, List<Method> methods, Graph.Input in, BatchIndex index, PrintWriter o,
             PrintWriter err) {
            this.graph = graph;
            this.head = head;
            this.layerName = layerName;
            this.methods = methods;
            this.in = in;
            this.index = index;
            this.o = o;
            this.err = err;
        }

        void group(List<Path> group, Map<Path, String> subfolders) {
            List<Item> items = new ArrayList<>();
            for (Path f : group) {
                Item item = new Item(f, subfolders.get(f), index.add(f, subfolders.get(f)));
                try {
                    item.photo = !InputOptions.isNpy(f);
                    item.x = tensor(graph, in, f);
                    items.add(item);
                } catch (RuntimeException e) {
                    index.fail(item.record, e, err);
                }
            }
            if (items.isEmpty()) {
                return;
            }
            // What the first readable input decides holds for the run: the batched graph, the methods that apply.
            while (!batchedKnown && !items.isEmpty()) {
                Item first = items.get(0);
                try {
                    INDArray z = head.at(graph, first.x);
                    batched = Batching.withFreeBatch(graph, first.x, z);
                    Parameters p = parameters(methods, layerName, first.x, first.photo, batched != null);
                    runs = applicable(methods, graph, head, p);
                    together = batched != null && fitsBudget(batched, first.x, group.size());
                    batchedKnown = true;
                } catch (RuntimeException e) {
                    index.fail(first.record, e, err);
                    items.remove(0);
                }
            }
            if (items.isEmpty()) {
                return;
            }
            boolean same = items.stream().allMatch(i -> java.util.Arrays.equals(i.x.shape(), items.get(0).x.shape()));
            if (together && same && items.size() > 1) {
                try {
                    explain(items);
                    return;
                } catch (TargetOptions.Unresolved e) {
                    throw e;
                } catch (RuntimeException e) {
                    // One input spoiled the group (say, an overflow to infinity): each alone finds which.
                    items.forEach(i -> {
                        i.outputs.clear();
                        i.files.clear();
                    });
                }
            }
            for (Item item : items) {
                explainAlone(item);
            }
        }

        private void explainAlone(Item item) {
            try {
                explain(List.of(item));
            } catch (TargetOptions.Unresolved e) {
                throw e;
            } catch (RuntimeException e) {
                index.fail(item.record, e, err);
            }
        }

        /** Explains {@code items} (of one shape) together: one forward for their classes, batched methods once. */
        private void explain(List<Item> items) {
            if (runs == null) {
                throw new IllegalStateException("no input could be read to set up the run");
            }
            int n = items.size();
            Graph g = n > 1 ? batched : graph;
            INDArray x = n > 1 ? Nd4j.concat(0, items.stream().map(i -> i.x).toArray(INDArray[]::new)) : items.get(0).x;
            INDArray z = head.at(g, x);
            for (int i = 0; i < n; i++) {
                Item item = items.get(i);
                item.whats = explained(head, z, i);
                item.predicted = predicted(z, i);
                item.background = ExplainPictures.background(item.photo ? item.file : null, item.x);
            }
            int slots = items.get(0).whats.size();
            for (Method m : runs) {
                boolean oneRowEach = m.rowsFor(Parameters.DEFAULT) == 1 && !m.takes(Parameter.BATCH_SIZE) && !m.takes(Parameter.BASELINE);
                for (int t = 0; t < slots; t++) {
                    if (n > 1 && oneRowEach) {
                        int slot = t;
                        int[] classes = items.stream().mapToInt(i -> i.whats.get(slot).c()).toArray();
                        Parameters p = of(m, parameters(List.of(m), layerName, items.get(0).x, items.get(0).photo, true));
                        long t0 = System.nanoTime();
                        Explanation e = m.explainer(p).explain(g, x, Target.perRow(classes));
                        double ms = (System.nanoTime() - t0) / 1e6 / n;
                        for (int i = 0; i < n; i++) {
                            write(items.get(i), t, m, rowOf(e, i), p, ms);
                        }
                    } else {
                        for (Item item : items) {
                            Parameters p = of(m, parameters(List.of(m), layerName, item.x, item.photo, batched != null));
                            long t0 = System.nanoTime();
                            Explanation e = m.explainer(p).explain(batched == null ? graph : batched, item.x,
                                    Target.of(item.whats.get(t).c()));
                            write(item, t, m, e, p, (System.nanoTime() - t0) / 1e6);
                        }
                    }
                }
            }
            for (Item item : items) {
                finish(item);
            }
        }

        /** The directory of target slot {@code t} of {@code item}, or null when an earlier slot explained the same class. */
        private Path dirOf(Item item, int t) {
            Explained what = item.whats.get(t);
            for (int u = 0; u < t; u++) {
                if (item.whats.get(u).c() == what.c()) {
                    return null;
                }
            }
            Path d = index.dir().resolve(item.subfolder);
            return item.whats.size() > 1 ? d.resolve(TargetOptions.folder(what.c(), what.label())) : d;
        }

        private void write(Item item, int t, Method m, Explanation e, Parameters p, double ms) {
            Path d = dirOf(item, t);
            if (d == null) {
                return;
            }
            createDirectories(d);
            Explained what = item.whats.get(t);
            item.outputs.computeIfAbsent(t, k -> new Outputs(graph, head, d, item.file, item.file.toString(), item.x, item.photo,
                    item.background, what, layerName)).add(m, e, p, ms);
            item.files.computeIfAbsent(t, k -> new LinkedHashMap<>()).put(m.name(), relative(d.resolve(m.name() + ".png")));
        }

        private void finish(Item item) {
            Explained top = item.whats.get(0);
            List<Object> explained = new ArrayList<>();
            List<String> pictures = new ArrayList<>();
            for (int t = 0; t < item.whats.size(); t++) {
                Path d = dirOf(item, t);
                if (d == null) {
                    continue;
                }
                Explained what = item.whats.get(t);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("requested", what.requested());
                r.put("class", what.c());
                r.put("label", what.label());
                r.put("logit", what.logit());
                r.put("probability", what.probability());
                r.put("folder", relative(d));
                Map<String, Object> outputs = new LinkedHashMap<>();
                Outputs slot = item.outputs.get(t);
                for (Method m : runs) {
                    List<String> names = slot != null ? slot.files.get(m.name()) : null;
                    if (names == null) {
                        names = m.output() == Method.Output.CAM
                                ? List.of(m.name() + ".npy", m.name() + "_raw.npy", m.name() + ".png", m.name() + ".json")
                                : List.of(m.name() + ".npy", m.name() + ".png", m.name() + ".json");
                    }
                    outputs.put(m.name(), names.stream().map(n -> relative(d.resolve(n))).toList());
                }
                if (item.outputs.containsKey(t)) {
                    Path[] written = item.outputs.get(t).finish(parameters(runs, layerName, item.x, item.photo, batched != null), runs);
                    r.put("figure", relative(written[0]));
                    r.put("page", relative(written[1]));
                    pictures.add(relative(written[0]));
                }
                r.put("methods", outputs);
                explained.add(r);
            }
            item.record.put("top", topOf(item));
            item.record.put("preprocess", item.photo ? input.preprocess().cliName() : null);
            item.record.put("targets", explained);
            item.record.put("pictures", pictures);
            item.outputs.clear();
            item.background = null;
            progress.println(o, String.format(Locale.ROOT, "%-40s class %d (%s) %.4f -> %s", item.file, top.c(), top.label(),
                    top.probability(), index.dir().resolve(item.subfolder)));
        }

        private Map<String, Object> topOf(Item item) {
            Map<String, Object> top = new LinkedHashMap<>();
            top.put("class", item.predicted.c());
            top.put("label", item.predicted.label());
            top.put("logit", item.predicted.logit());
            top.put("probability", item.predicted.probability());
            return top;
        }

        private String relative(Path p) {
            return index.dir().relativize(p).toString().replace('\\', '/');
        }

        /** Whether a recorded pass of {@code rows} inputs like {@code x} fits the memory budget. */
        private boolean fitsBudget(Graph g, INDArray x, int rows) {
            long[] shape = x.shape().clone();
            shape[0] = rows;
            try {
                MemoryBudget.checkRecorded(g, Map.of(in.name(), shape), float64 ? Double.BYTES : Float.BYTES);
                return true;
            } catch (MemoryBudget.Exceeded e) {
                return false;
            }
        }
    }

    /** Row {@code i} of a batched explanation, as the explanation of that row alone. */
    static Explanation rowOf(Explanation e, int i) {
        Scores s = e.scores();
        Scores one = new Scores(s.logitNode(), s.note(), s.kind(), new int[] {s.classOf(i)}, new double[] {s.valueOf(i)});
        if (e instanceof CamResult c) {
            return new CamResult(row(c.map(), i), row(c.raw(), i), row(c.weights(), i), c.layer(), one);
        }
        if (e instanceof Attribution a) {
            return new Attribution(row(a.map(), i), one);
        }
        throw new IllegalStateException("a " + e.getClass().getSimpleName() + " cannot be split by rows");
    }

    private static INDArray row(INDArray x, int i) {
        return x.get(NDArrayIndex.interval(i, i + 1)).dup();
    }

    /** The class one target explains, its label, logit and probability, how it was asked for, and the model's top classes. */
    record Explained(int c, String label, double logit, double probability, String requested, List<Predictions.Entry> top) {}

    /**
     * What one target of one input writes: each method's arrays, picture and record as they come,
     * then the grid of all its pictures (all.png) and its page (index.html).
     */
    private final class Outputs {
        final Path dir;
        final Path file;
        final String described;
        final Explained what;
        final BufferedImage background;
        final String layerName;
        final Head head;
        final ExplainRecords records;
        final ExplainPictures.Style style = new ExplainPictures.Style(colormap, alpha, sign, clip);
        final ExplainFigures figures;
        /** Each method's files in this folder, as written (the arrays a result adds included). */
        final Map<String, List<String>> files = new LinkedHashMap<>();

        Outputs(Graph graph, Head head, Path dir, Path file, String described, INDArray x, boolean photo, BufferedImage background,
                Explained what, String layerName) {
            this.dir = dir;
            this.file = file;
            this.described = described;
            this.what = what;
            this.background = background;
            this.layerName = layerName;
            this.head = head;
            this.records = new ExplainRecords(dir, common(graph, head, file, x, photo, what));
            String scoreName = head.preActivation(graph) ? "logit" : "score";
            this.figures = new ExplainFigures(background, style, new ExplainFigures.Subject(what.c(), what.label(), scoreName, layerName),
                    inputPanel(file, background, what));
        }

        /** Writes one method's files; returns the line to print (and warns when integrated gradients missed --gap). */
        String add(Method m, Explanation e, Parameters p, double ms) {
            ExplainFigures.Shown shown = figures.add(m, e, ms);
            String line = records.write(m, e, shown.png(), p, ms, ExplainFigures.record(shown, style));
            List<String> written = new ArrayList<>(List.of(m.name() + ".npy"));
            if (e instanceof CamResult) {
                written.add(m.name() + "_raw.npy");
            }
            new java.util.TreeMap<>(e.arrays(0)).keySet().forEach(k -> written.add(m.name() + "_" + k + ".npy"));
            written.addAll(List.of(m.name() + ".png", m.name() + ".json"));
            files.put(m.name(), written);
            if (e instanceof IntegratedGradients.Result ig && p.gap() > 0 && !ig.reached(0, p.gap())) {
                spec.commandLine().getErr().println(String.format(Locale.ROOT, "xai4j: warning: %s: the completeness gap "
                        + "is still %.3g of |score(x) - score(baseline)| after %d steps (the cap, --steps), above --gap %s",
                        m.name(), Math.abs(ig.completenessGap()[0] / (ig.scores().valueOf(0) - ig.baselineScores()[0])),
                        ig.steps()[0], gap));
            }
            return line + (shown.sameAs() == null ? "" : "  same map as " + shown.sameAs().name()
                    + (shown.scale() == 1 ? "" : String.format(Locale.ROOT, " x %.4g", shown.scale())));
        }

        /** Writes all.png and index.html; returns their paths. */
        Path[] finish(Parameters p, List<Method> runs) {
            Path figure = dir.resolve(ALL + ".png");
            Overlay.writePng(figures.grid(), figure);
            Path page = dir.resolve("index.html");
            ExplainPage.of("xai4j explain: " + file.getFileName(), background, described, what.top(),
                    explainedLine(head, what), settings(described, layerName, p, runs), figures.shown()).write(page);
            return new Path[] {figure, page};
        }
    }

    /** The grid's first panel: what the model saw and what it said. */
    private static Figure.Panel inputPanel(Path file, BufferedImage background, Explained what) {
        List<String> title = new ArrayList<>(List.of("input: " + file.getFileName()));
        Predictions.Entry best = what.top().get(0);
        title.add(String.format(Locale.ROOT, "predicted: %d %s, p %.3f", best.index(), best.label(), best.probability()));
        if (best.index() != what.c()) {
            title.add(String.format(Locale.ROOT, "explained: %d %s, p %.3f", what.c(), what.label(), what.probability()));
        }
        return new Figure.Panel(title, background, null, null);
    }

    private static String explainedLine(Head head, Explained what) {
        String how = what.requested().equals(TargetOptions.TOP) ? "the predicted class" : "as asked";
        return String.format(Locale.ROOT, "Every map explains class %d (%s), %s: its logit %.4f at '%s', probability %.4f.%s",
                what.c(), what.label(), how, what.logit(), head.logits(), what.probability(),
                head.note().isEmpty() ? "" : " Note: " + head.note() + ".");
    }

    /** What the page lists under Parameters: where things came from, then every option the methods read. */
    private Map<String, Object> settings(String described, String layerName, Parameters parameters, List<Method> runs) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", model.file());
        s.put("input", described);
        s.put("precision", float64 ? "float64" : "float32");
        s.put("layer", layerName);
        for (Method m : runs) {
            m.parametersOf(of(m, parameters)).forEach((k, v) -> {
                if (!k.equals("layer")) {
                    s.putIfAbsent(k, v);
                }
            });
        }
        s.put("sign", sign.cliName());
        s.put("clip", clip == null ? "default (1,99 input-shaped maps; 0,100 CAM maps)"
                : clip.lowPercentile() + "," + clip.highPercentile());
        s.put("colormap", colormap == null ? "default (jet; rdbu_r for signed maps)" : colormap.cliName());
        s.put("alpha", alpha);
        return s;
    }

    private Labels names;
    private int[] resolved;

    /** Every target of row {@code row} of the logits {@code z}, in the order asked (the first one is also used for the record's top). */
    private List<Explained> explained(Head head, INDArray z, int row) {
        double[] zs = Predictions.row(z, row);
        if (names == null) {
            names = labels.forModel(model.file(), zs.length);
            resolved = targets.resolve(names, zs.length, head.logits());
        }
        double[] p = Target.softmax(zs);
        List<String> asked = targets.requested();
        List<Predictions.Entry> top = top(zs);
        List<Explained> out = new ArrayList<>();
        for (int i = 0; i < resolved.length; i++) {
            int c = resolved[i] >= 0 ? resolved[i] : Target.argmax(zs);
            out.add(new Explained(c, names.name(c), zs[c], p[c], asked.get(i), top));
        }
        return out;
    }

    /** The predicted class of row {@code row} of the logits. */
    private Explained predicted(INDArray z, int row) {
        double[] zs = Predictions.row(z, row);
        int c = Target.argmax(zs);
        return new Explained(c, names.name(c), zs[c], Target.softmax(zs)[c], TargetOptions.TOP, top(zs));
    }

    /** The model's five best classes for one row of logits, for the input panel and the page. */
    private List<Predictions.Entry> top(double[] zs) {
        return Predictions.top(null, Nd4j.create(zs, new long[] {1, zs.length}), names, 5).get(0);
    }

    /** The model's only input; several are refused by name. */
    private Graph.Input onlyInput(Graph graph) {
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException(model.file() + ": the model has " + graph.inputs().size() + " inputs "
                    + graph.inputs().stream().map(Graph.Input::name).toList() + "; explain takes single-input models");
        }
        return graph.inputs().get(0);
    }

    /** The input {@code file} as one row [1, C, H, W] of {@code in}. */
    private INDArray tensor(Graph graph, Graph.Input in, Path file) {
        // Before the photo is decoded and resized, as predict does: a model may declare an input
        // far too large, and a recorded pass of one row is the least any method needs.
        MemoryBudget.checkRecorded(graph, Map.of(in.name(), input.shape(file, in)), float64 ? Double.BYTES : Float.BYTES);
        INDArray x;
        if (input.many()) {
            x = input.read(file, in).x();
        } else {
            x = input.tensor(in);
        }
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException(file + ": explain takes one input [1,C,H,W]; got "
                    + Converters.shape(x.shape()) + " (explain one row at a time)");
        }
        return float64 ? x.castTo(DataType.DOUBLE) : x;
    }

    /** The options as the catalogue's parameters; {@code batches}: whether the model takes several rows per pass. */
    private Parameters parameters(List<Method> methods, String layerName, INDArray x, boolean photo, boolean batches) {
        IgBaseline base = takes(methods, Parameter.BASELINE)
                ? IgBaseline.parse(baseline, x, photo ? input.preprocess() : null, seed) : new IgBaseline(null, "");
        // With --gap, --steps is the cap; left at its default, a roomier one.
        boolean stepsGiven = spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption("--steps");
        int cap = gap > 0 && !stepsGiven ? IntegratedGradients.GAP_CAP : (int) steps;
        int H = (int) x.size(2);
        int W = (int) x.size(3);
        Perturbation perturbation = Perturbation.DEFAULT.withInputSize(H, W).withPatch((int) Math.min(patch, Integer.MAX_VALUE))
                .withStride((int) Math.min(stride, Integer.MAX_VALUE)).withFill(fill).withMasks((int) masks)
                .withGrid((int) Math.min(grid, Integer.MAX_VALUE)).withKeep(keep);
        if (segments != null && takes(methods, Parameter.SEGMENTS)) {
            perturbation = perturbation.withSegments(SegmentsFile.read(segments, H, W));
        }
        return Parameters.DEFAULT.withLayer(layerName).withSteps(cap).withRule(rule)
                .withBaseline(base.baseline(), base.name()).withSamples(samples == null ? Parameters.DEFAULT.samples() : samples.intValue())
                .withSigma(sigma).withSeed(seed)
                .withBatchSize(batches ? (int) batchSize : 1)
                .withRectifiers(reluOnly ? BackwardRules.Activations.RELU_ONLY : BackwardRules.Activations.RELU_AND_RELU6)
                .withGap(gap).withAugmentations((int) augmentations).withLambda(lambda).withMu(mu)
                .withIterations((int) iterations).withStep(step)
                .withPerturbation(perturbation);
    }

    /** {@code p} for method {@code m}: without --samples, LIME and KernelSHAP score their own default number of coalitions. */
    private Parameters of(Method m, Parameters p) {
        return samples != null ? p : Methods.withDefaultSamples(m, p);
    }

    private void printHeader(PrintWriter o, String described, Head head, List<Explained> whats, String layerName, Path dir) {
        o.println("model:  " + model.file());
        o.println("input:  " + described);
        o.println(input.preprocessLine());
        for (Explained what : whats) {
            String how = what.requested().equals(TargetOptions.TOP) ? "the predicted class"
                    : TargetOptions.isIndex(what.requested()) ? "as asked" : "as asked (\"" + what.requested() + "\")";
            o.printf(Locale.ROOT, "target: class %d (%s), %s, logit %.4f at '%s', probability %.4f%n", what.c(), what.label(),
                    how, what.logit(), head.logits(), what.probability());
        }
        if (!head.note().isEmpty()) {
            o.println("note:   " + head.note());
        }
        if (layerName != null) {
            o.println("layer:  " + layerName + (layer != null ? "" : " (default: the input of global pooling '" + head.pooling() + "')"));
        }
        o.println("out:    " + dir);
        o.println();
    }

    /** Absurd counts are a bad command line (exit 2), refused before the model is even read. */
    private void checkLimits() {
        Map<Parameter, Long> counts = Map.of(Parameter.STEPS, steps, Parameter.SAMPLES, samples == null ? 1 : samples,
                Parameter.BATCH_SIZE, batchSize, Parameter.AUGMENTATIONS, augmentations, Parameter.ITERATIONS, iterations,
                Parameter.MASKS, masks);
        for (Parameter p : List.of(Parameter.STEPS, Parameter.SAMPLES, Parameter.BATCH_SIZE, Parameter.AUGMENTATIONS,
                Parameter.ITERATIONS, Parameter.MASKS)) {
            try {
                p.check(counts.get(p));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e, null, Long.toString(counts.get(p)));
            }
        }
    }

    private static boolean takes(List<Method> methods, Parameter p) {
        return methods.stream().anyMatch(m -> m.takes(p));
    }

    /** The layer of the CAM methods, refused with the reason when it holds no feature maps. */
    private String chooseLayer(Graph graph, Head head, List<Method> methods) {
        List<String> names = methods.stream().filter(m -> m.takes(Parameter.LAYER)).map(Method::name).toList();
        try {
            return head.featureMapsAt(graph, layer, names.size() == 1 ? names.get(0) : "the CAM methods");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((layer == null ? "--layer is needed: " : "--layer " + layer + ": ") + e.getMessage(), e);
        }
    }

    /**
     * The methods whose own checks pass, before any of them runs. One method asked for is refused
     * with its reason; "all" means every method that applies (CAM needs a particular head), so
     * the others are skipped with a note.
     */
    private List<Method> applicable(List<Method> methods, Graph graph, Head head, Parameters parameters) {
        List<Method> runs = new ArrayList<>();
        for (Method m : methods) {
            try {
                m.check().check(graph, head, parameters);
                runs.add(m);
            } catch (IllegalArgumentException e) {
                if (methods.size() == 1) {
                    throw e;
                }
                spec.commandLine().getErr().println("xai4j: note: " + m.name() + " skipped: " + e.getMessage());
            }
        }
        return runs;
    }

    /** What every method's JSON record says: model, input, class, and what the score is. */
    private Map<String, Object> common(Graph graph, Head head, Path file, INDArray x, boolean photo, Explained what) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model.file().toString());
        j.put("input", file.toString());
        j.putAll(input.preprocessJson(photo));
        j.put("input_shape", x.shape());
        j.put("precision", float64 ? "float64" : "float32");
        j.put("target", what.c());
        j.put("label", what.label());
        j.put("target_requested", what.requested());
        j.put("model_output", head.output());
        j.put("logits_node", head.logits());
        j.put("model_ends_in_softmax", head.softmax() != null);
        j.put("pre_softmax_logit", head.preActivation(graph));
        j.put("logit", what.logit());
        j.put("probability", what.probability());
        j.put("note", head.note());
        return j;
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** "both_bullmastiff_tigercat" for "photos/both_bullmastiff_tigercat.png". */
    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
