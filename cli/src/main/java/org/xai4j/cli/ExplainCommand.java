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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Npy;
import org.xai4j.explain.BackwardRules;
import org.xai4j.explain.CamResult;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Head;
import org.xai4j.explain.IntegratedGradients;
import org.xai4j.explain.Quadrature;
import org.xai4j.explain.Target;
import org.xai4j.explain.image.Figure;
import org.xai4j.explain.image.Overlay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xai4j explain}: one explanation method (or all of them) for one class on one photo or
 * tensor, written as {@code .npy} arrays, PNG overlays and a JSON record per method.
 *
 * <p>Every method explains the same class, chosen once from one forward pass: the predicted one
 * ({@code --target top}) or the one given. The score is the pre-softmax logit; a model that ends
 * in a softmax is explained at the softmax's input ({@link Head}).
 */
@Command(name = "explain", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Explains a model's score for one class on a photo or .npy tensor. Writes DIR/<method>.npy "
                + "(input-shaped methods: the raw 1xCxHxW attribution; CAM methods: the HxW upsampled map after the "
                + "ReLU, unnormalised, and DIR/<method>_raw.npy at the layer's h x w), DIR/<method>.png (the map over "
                + "the input) and DIR/<method>.json (class, score, parameters, milliseconds). --method all writes "
                + "every method and DIR/all.png, all maps side by side."})
final class ExplainCommand implements Callable<Integer> {
    static final String ALL = "all";

    @Mixin
    ModelOptions model;

    @Mixin
    InputOptions input;

    @Option(names = "--method", required = true, paramLabel = "METHOD", converter = ExplainConverters.MethodName.class,
            description = {"saliency, gradxinput, ig, smoothgrad, guided-backprop, deconvnet, cam, gradcam, "
                    + "gradcam-positive, guided-gradcam, gradcam++, smooth-gradcam++, or all."})
    String method;

    @Option(names = "--layer", paramLabel = "NODE",
            description = {"The layer of the CAM methods and guided-gradcam: a node name or alias as `xai4j layers` "
                    + "prints. Default: the input of the model's last global pooling node (the last feature maps "
                    + "before pooling). cam also needs that pooling to feed the classifier (Linear or 1x1 "
                    + "convolution) giving the logits."})
    String layer;

    @Option(names = "--target", paramLabel = "CLASS|top", defaultValue = "top", converter = ExplainConverters.TargetClass.class,
            description = "The class explained: an index from 0, or top (default) for the predicted class.")
    int target;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "32", converter = Converters.Positive.class,
            description = "ig: gradient evaluations along the path (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--rule", paramLabel = "RULE", defaultValue = "right", converter = ExplainConverters.Rule.class,
            description = "ig: right (default: alphas k/N, k = 1..N), left, midpoint, trapezoid or gauss-legendre.")
    Quadrature rule;

    @Option(names = "--baseline", paramLabel = "black|white|noise|blur[:S]|FILE.npy", defaultValue = "black",
            description = {"ig: the reference input. For a photo, black and white are the black and white photo "
                    + "through --preprocess; for a tensor, black is zeros and white each channel at its maximum. "
                    + "noise: uniform over the input's range (--seed); blur: the input blurred by a Gaussian of S "
                    + "pixels (default 10); FILE.npy: an array shaped like the input. Default: black."})
    String baseline;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "25", converter = Converters.Positive.class,
            description = "smoothgrad, smooth-gradcam++: noisy copies averaged (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--sigma", paramLabel = "S", defaultValue = "0.15", converter = ExplainConverters.NonNegative.class,
            description = "smoothgrad, smooth-gradcam++: noise standard deviation as a fraction of the input's "
                    + "max - min (default: ${DEFAULT-VALUE}).")
    double sigma;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the noise (smoothgrad, smooth-gradcam++, --baseline noise; default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", converter = Converters.Positive.class,
            description = "ig, smoothgrad, smooth-gradcam++: inputs per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--relu-only",
            description = "guided-backprop, deconvnet, guided-gradcam: apply the rule to ReLU only and leave ReLU6 "
                    + "(Clip(0,6)) its ordinary gradient, as Captum does. Default: ReLU and ReLU6.")
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
        Graph graph = float64 ? Float64.load(model.file()) : model.graph();
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException(model.file() + ": the model has " + graph.inputs().size() + " inputs "
                    + graph.inputs().stream().map(Graph.Input::name).toList() + "; explain takes single-input models");
        }
        Graph.Input in = graph.inputs().get(0);
        List<ExplainMethod> methods = method.equals(ALL) ? List.of(ExplainMethod.values()) : List.of(ExplainMethod.parse(method));
        boolean all = methods.size() > 1;
        // Names are checked before any pass through the model, so a typo costs no waiting.
        Head head = Head.of(graph);
        LayerChoice layerChoice = methods.stream().anyMatch(ExplainMethod::needsLayer) ? chooseLayer(graph, head, methods) : null;
        INDArray x = input.tensor(in);
        if (float64) {
            x = x.castTo(DataType.DOUBLE);
        }
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException(input.file() + ": explain takes one input [1,C,H,W]; got "
                    + Converters.shape(x.shape()) + " (explain one row at a time)");
        }
        boolean photo = !InputOptions.isNpy(input.file());

        // One forward pass chooses the class that every method then explains.
        INDArray z = head.at(graph, x);
        double[] zs = z.castTo(DataType.DOUBLE).reshape(z.length()).toDoubleVector();
        int c = target >= 0 ? target : Target.argmax(zs);
        if (c >= zs.length) {
            throw new IllegalArgumentException("--target " + c + " is out of range: '" + head.logits() + "' has "
                    + zs.length + " classes (0.." + (zs.length - 1) + ")");
        }
        String label = labels.forModel(model.file(), zs.length).name(c);
        double probability = Target.softmax(zs)[c];
        IgBaseline base = methods.contains(ExplainMethod.IG)
                ? IgBaseline.parse(baseline, x, photo ? input.preprocess() : null, seed) : new IgBaseline(null, "");
        // null: the model takes one row only, so the batched methods go one row at a time and IG cannot run.
        Graph batched = methods.stream().anyMatch(ExplainMethod::batched) ? Batching.withFreeBatch(graph, x, z) : graph;
        ExplainMethod.Settings settings = new ExplainMethod.Settings(layerChoice == null ? null : layerChoice.name(), steps,
                rule, base.baseline(), base.name(), samples, sigma, seed, batched == null ? 1 : batchSize,
                reluOnly ? BackwardRules.Activations.RELU_ONLY : BackwardRules.Activations.RELU_AND_RELU6);
        Path dir = out != null ? out : Path.of("explanations", stem(input.file()));
        createDirectories(dir);

        PrintWriter o = spec.commandLine().getOut();
        o.println("model:  " + model.file());
        o.println("input:  " + input.describe());
        o.printf(Locale.ROOT, "target: class %d (%s), %s, logit %.4f at '%s', probability %.4f%n", c, label,
                target >= 0 ? "as asked" : "the predicted class", zs[c], head.logits(), probability);
        if (!head.note().isEmpty()) {
            o.println("note:   " + head.note());
        }
        if (layerChoice != null) {
            o.println("layer:  " + layerChoice.name() + layerChoice.why());
        }
        o.println("out:    " + dir);
        o.println();

        Map<String, Object> common = common(graph, head, x, photo, c, label, zs[c], probability);
        BufferedImage background = ExplainPictures.background(photo ? input.file() : null, x);
        String title = label.equals("class " + c) ? "input (class " + c + ")" : "input: " + c + " " + label;
        List<Figure.Panel> panels = new ArrayList<>(List.of(new Figure.Panel(title, ExplainPictures.enlarged(background))));
        for (ExplainMethod m : methods) {
            long start = System.nanoTime();
            Explanation e;
            try {
                if (m == ExplainMethod.IG && batched == null) {
                    throw new IllegalArgumentException("ig needs the model to take 2 inputs at once, but its input '"
                            + in.name() + "' is " + Converters.shape(in.shape()) + " and it fails with the batch axis freed");
                }
                e = m.explainer(settings).explain(batched == null ? graph : batched, x, Target.of(c));
            } catch (IllegalArgumentException ex) {
                if (all && (m == ExplainMethod.CAM || m == ExplainMethod.IG)) {
                    // "all" means every method that applies; CAM needs a particular head, IG batches.
                    spec.commandLine().getErr().println("xai4j: note: " + m.cliName() + " skipped: " + ex.getMessage());
                    continue;
                }
                throw ex;
            }
            double ms = (System.nanoTime() - start) / 1e6;
            BufferedImage picture = ExplainPictures.overlay(background, e.map(), m);
            panels.add(new Figure.Panel(m.cliName(), picture));
            o.println(write(dir, m, e, picture, settings, common, ms));
        }
        if (all) {
            Path figure = dir.resolve(ALL + ".png");
            Overlay.writePng(Figure.sideBySide(panels), figure);
            o.println();
            o.println("figure: " + figure);
        }
        return 0;
    }

    /** The layer of the CAM methods and why it was chosen (empty when given). */
    record LayerChoice(String name, String why) {}

    private LayerChoice chooseLayer(Graph graph, Head head, List<ExplainMethod> methods) {
        List<String> names = methods.stream().filter(ExplainMethod::needsLayer).map(ExplainMethod::cliName).toList();
        String who = names.size() == 1 ? names.get(0) : "the CAM methods";
        try {
            String name = head.featureMapsAt(graph, layer, who);
            return new LayerChoice(name, layer != null ? "" : " (default: the input of global pooling '" + head.pooling() + "')");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((layer == null ? "--layer is needed: " : "--layer " + layer + ": ") + e.getMessage(), e);
        }
    }

    /** Writes the files of one method and returns the line to print about them. */
    private String write(Path dir, ExplainMethod m, Explanation e, BufferedImage picture, ExplainMethod.Settings settings,
                         Map<String, Object> common, double ms) {
        String name = m.cliName();
        Map<String, Object> files = new LinkedHashMap<>();
        INDArray map = e.map();
        if (e instanceof CamResult cam) {
            map = map.reshape(map.size(1), map.size(2));
            INDArray raw = cam.raw().reshape(cam.raw().size(1), cam.raw().size(2));
            Npy.write(map, dir.resolve(name + ".npy"));
            Npy.write(raw, dir.resolve(name + "_raw.npy"));
            files.put("map", name + ".npy");
            files.put("map_shape", map.shape());
            files.put("raw", name + "_raw.npy");
            files.put("raw_shape", raw.shape());
        } else {
            Npy.write(map, dir.resolve(name + ".npy"));
            files.put("map", name + ".npy");
            files.put("map_shape", map.shape());
        }
        Overlay.writePng(picture, dir.resolve(name + ".png"));
        files.put("png", name + ".png");

        Map<String, Object> json = new LinkedHashMap<>(common);
        json.put("method", name);
        json.put("score", e.scores().valueOf(0));
        json.put("parameters", m.parameters(settings));
        json.put("milliseconds", Math.round(ms * 10) / 10.0);
        String extra = "";
        if (e instanceof IntegratedGradients.Result ig) {
            double sum = ig.map().castTo(DataType.DOUBLE).sumNumber().doubleValue();
            json.put("completeness_gap", ig.completenessGap()[0]);
            json.put("attribution_sum", sum);
            json.put("score_at_baseline", ig.baselineScores()[0]);
            extra = String.format(Locale.ROOT, "  completeness gap %.2e (sum %.6g, score - score at baseline %.6g)",
                    ig.completenessGap()[0], sum, e.scores().valueOf(0) - ig.baselineScores()[0]);
        }
        json.put("files", files);
        Path record = dir.resolve(name + ".json");
        try {
            Files.writeString(record, Json.write(json) + "\n");
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + record + ": " + ex.getMessage(), ex);
        }
        return String.format(Locale.ROOT, "%-17s %8.0f ms  %s %s%s, %s, %s%s", name, ms, name + ".npy",
                Converters.shape(map.shape()), e instanceof CamResult cam ? ", " + name + "_raw.npy "
                        + Converters.shape(new long[] {cam.raw().size(1), cam.raw().size(2)}) : "",
                name + ".png", name + ".json", extra);
    }

    /** What every method's JSON record says: model, input, class, and what the score is. */
    private Map<String, Object> common(Graph graph, Head head, INDArray x, boolean photo, int c, String label,
                                       double logit, double probability) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model.file().toString());
        j.put("input", input.file().toString());
        j.put("preprocess", photo ? input.preprocess().cliName() : null);
        j.put("input_shape", x.shape());
        j.put("precision", float64 ? "float64" : "float32");
        j.put("target", c);
        j.put("label", label);
        j.put("target_requested", target >= 0 ? Integer.toString(target) : "top");
        String output = graph.outputs().get(0);
        j.put("model_output", output);
        j.put("logits_node", head.logits());
        j.put("model_ends_in_softmax", head.softmax() != null);
        j.put("pre_softmax_logit", head.preActivation(graph));
        j.put("logit", logit);
        j.put("probability", probability);
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
