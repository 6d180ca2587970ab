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
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.explain.BackwardRules;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Fill;
import org.xai4j.explain.Head;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameter;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Perturbation;
import org.xai4j.explain.Quadrature;
import org.xai4j.explain.Target;
import org.xai4j.explain.image.Figure;
import org.xai4j.explain.image.Overlay;
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
                + "the input) and DIR/<method>.json (class, score, parameters, milliseconds). --method all writes "
                + "every method and DIR/all.png, all maps side by side."},
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

    @Option(names = "--target", paramLabel = "CLASS|top", defaultValue = "top", converter = ExplainConverters.TargetClass.class,
            description = "The class explained: an index from 0, or top (default) for the predicted class.")
    int target;

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

    @Option(names = "--float64",
            description = "Compute in float64 (slower), with the file's float32 weights used exactly (ONNX batch norms "
                    + "are kept, not folded): float32 rounding can flip a ReLU kink and switch a whole gradient path. "
                    + "Files are still written as float32.")
    boolean float64;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where the files go (created if needed). Default: explanations/<input file name "
                    + "without extension> in the current directory.")
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
        INDArray x = tensor(graph);
        boolean photo = !InputOptions.isNpy(input.file());

        // One forward pass chooses the class that every method then explains; its time sizes the estimate.
        long start = System.nanoTime();
        INDArray z = head.at(graph, x);
        double forwardMs = (System.nanoTime() - start) / 1e6;
        Explained what = explained(head, z);
        // null: the model takes one row only, so the batched methods go one row at a time.
        Graph batched = takes(methods, Parameter.BATCH_SIZE) ? Batching.withFreeBatch(graph, x, z) : graph;
        Parameters parameters = parameters(methods, layerName, x, photo, batched != null);
        List<Method> runs = applicable(methods, graph, head, parameters);
        Path dir = out != null ? out : Path.of("explanations", stem(input.file()));
        createDirectories(dir);
        PrintWriter o = spec.commandLine().getOut();
        printHeader(o, head, what, layerName, dir);

        ExplainRecords records = new ExplainRecords(dir, common(graph, head, x, photo, what));
        BufferedImage background = ExplainPictures.background(photo ? input.file() : null, x);
        String title = what.label().equals("class " + what.c()) ? "input (class " + what.c() + ")" : "input: " + what.c() + " " + what.label();
        List<Figure.Panel> panels = new ArrayList<>(List.of(new Figure.Panel(title, ExplainPictures.enlarged(background))));
        DoubleSupplier forwardAgain = () -> {
            long t = System.nanoTime();
            head.at(graph, x);
            return (System.nanoTime() - t) / 1e6;
        };
        Function<Method, Parameters> of = m -> samples != null ? parameters : Methods.withDefaultSamples(m, parameters);
        try (ExplainProgress progress = ExplainProgress.start(spec.commandLine().getErr(), System.console() != null, runs,
                of, forwardMs, forwardAgain)) {
            for (Method m : runs) {
                long t0 = System.nanoTime();
                Explanation e = m.explainer(of.apply(m).withProgress(progress))
                        .explain(batched == null ? graph : batched, x, Target.of(what.c()));
                double ms = (System.nanoTime() - t0) / 1e6;
                progress.finished(m);
                BufferedImage picture = ExplainPictures.overlay(background, e.map(), m);
                panels.add(new Figure.Panel(m.name(), picture));
                progress.println(o, records.write(m, e, picture, of.apply(m), ms));
            }
        }
        if (methods.size() > 1) {
            Path figure = dir.resolve(ALL + ".png");
            Overlay.writePng(Figure.sideBySide(panels), figure);
            o.println();
            o.println("figure: " + figure);
        }
        return 0;
    }

    /** The class every method explains, its label, logit and probability. */
    record Explained(int c, String label, double logit, double probability) {}

    private Explained explained(Head head, INDArray z) {
        double[] zs = z.castTo(DataType.DOUBLE).reshape(z.length()).toDoubleVector();
        int c = target >= 0 ? target : Target.argmax(zs);
        if (c >= zs.length) {
            throw new IllegalArgumentException("--target " + c + " is out of range: '" + head.logits() + "' has "
                    + zs.length + " classes (0.." + (zs.length - 1) + ")");
        }
        return new Explained(c, labels.forModel(model.file(), zs.length).name(c), zs[c], Target.softmax(zs)[c]);
    }

    /** The input as one row [1, C, H, W] of the model's only input. */
    private INDArray tensor(Graph graph) {
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException(model.file() + ": the model has " + graph.inputs().size() + " inputs "
                    + graph.inputs().stream().map(Graph.Input::name).toList() + "; explain takes single-input models");
        }
        Graph.Input in = graph.inputs().get(0);
        // Before the photo is decoded and resized, as predict does: a model may declare an input
        // far too large, and a recorded pass of one row is the least any method needs.
        MemoryBudget.checkRecorded(graph, Map.of(in.name(), input.shape(in)), float64 ? Double.BYTES : Float.BYTES);
        INDArray x = input.tensor(in);
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException(input.file() + ": explain takes one input [1,C,H,W]; got "
                    + Converters.shape(x.shape()) + " (explain one row at a time)");
        }
        return float64 ? x.castTo(DataType.DOUBLE) : x;
    }

    /** The options as the catalogue's parameters; {@code batches}: whether the model takes several rows per pass. */
    private Parameters parameters(List<Method> methods, String layerName, INDArray x, boolean photo, boolean batches) {
        IgBaseline base = takes(methods, Parameter.BASELINE)
                ? IgBaseline.parse(baseline, x, photo ? input.preprocess() : null, seed) : new IgBaseline(null, "");
        int H = (int) x.size(2);
        int W = (int) x.size(3);
        Perturbation perturbation = Perturbation.DEFAULT.withInputSize(H, W).withPatch((int) Math.min(patch, Integer.MAX_VALUE))
                .withStride((int) Math.min(stride, Integer.MAX_VALUE)).withFill(fill).withMasks((int) masks)
                .withGrid((int) Math.min(grid, Integer.MAX_VALUE)).withKeep(keep);
        if (segments != null && takes(methods, Parameter.SEGMENTS)) {
            perturbation = perturbation.withSegments(SegmentsFile.read(segments, H, W));
        }
        return Parameters.DEFAULT.withLayer(layerName).withSteps((int) steps).withRule(rule)
                .withBaseline(base.baseline(), base.name()).withSamples(samples == null ? Parameters.DEFAULT.samples() : samples.intValue())
                .withSigma(sigma).withSeed(seed)
                .withBatchSize(batches ? (int) batchSize : 1)
                .withRectifiers(reluOnly ? BackwardRules.Activations.RELU_ONLY : BackwardRules.Activations.RELU_AND_RELU6)
                .withPerturbation(perturbation);
    }

    private void printHeader(PrintWriter o, Head head, Explained what, String layerName, Path dir) {
        o.println("model:  " + model.file());
        o.println("input:  " + input.describe());
        o.printf(Locale.ROOT, "target: class %d (%s), %s, logit %.4f at '%s', probability %.4f%n", what.c(), what.label(),
                target >= 0 ? "as asked" : "the predicted class", what.logit(), head.logits(), what.probability());
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
                Parameter.BATCH_SIZE, batchSize, Parameter.MASKS, masks);
        for (Parameter p : List.of(Parameter.STEPS, Parameter.SAMPLES, Parameter.BATCH_SIZE, Parameter.MASKS)) {
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
    private Map<String, Object> common(Graph graph, Head head, INDArray x, boolean photo, Explained what) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model.file().toString());
        j.put("input", input.file().toString());
        j.put("preprocess", photo ? input.preprocess().cliName() : null);
        j.put("input_shape", x.shape());
        j.put("precision", float64 ? "float64" : "float32");
        j.put("target", what.c());
        j.put("label", what.label());
        j.put("target_requested", target >= 0 ? Integer.toString(target) : "top");
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
