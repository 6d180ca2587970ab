package org.xai4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.explain.Head;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Target;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.Figure;
import org.xai4j.explain.image.Normalization;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.metrics.ModelRandomization;
import org.xai4j.explain.metrics.Plane;
import org.xai4j.explain.metrics.SanityChecks;
import org.xai4j.importers.Models;
import org.xai4j.importers.PreprocessDetection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xai4j sanity}: the sanity checks of Adebayo et al. (NeurIPS 2018) of several methods on
 * one image. Each method's map on the trained model is compared with its maps after the top
 * layers' weights are redrawn, from the classifier down, and with {@code --data-randomized} with
 * its map on a model trained on shuffled labels ({@link SanityChecks}).
 */
@Command(name = "sanity", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Sanity checks by model-parameter randomization: each method's map of the predicted class against "
                + "its maps on the model with its top weighted layers redrawn (cascading, from the classifier down) or "
                + "one layer at a time (independent). Prints and writes DIR/sanity.csv (method, mode, randomized layer, "
                + "depth, Spearman of the signed and of the absolute map, SSIM, HOG similarity) and DIR/sanity.png (the "
                + "maps per randomization step). Methods that explain the model lose their similarity as weights go. "
                + "--data-randomized adds the data randomization test: each map against the map of the same class on a model "
                + "trained on shuffled labels (rows of mode 'data')."})
final class SanityCommand implements Callable<Integer> {
    static final String DEFAULT_METHODS = "saliency,gradxinput,ig,smoothgrad,guided-backprop,gradcam,guided-gradcam";

    @Mixin
    ModelOptions model;

    @Mixin
    InputOptions input;

    @Mixin
    LabelOptions labels;

    @Option(names = "--methods", paramLabel = "M1,M2,...", split = ",", defaultValue = DEFAULT_METHODS,
            description = "The methods compared (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--cascade", paramLabel = "K1,K2,...", split = ",",
            description = {"Cascading depths: how many weighted layers are redrawn, from the classifier down (1 = the "
                    + "classifier only). Default: 1, the top tenth (the last block), half and all of them."})
    List<Integer> cascade;

    @Option(names = "--independent", description = "Also redraw each weighted layer on its own (one row per layer and method).")
    boolean independent;

    @Option(names = "--data-randomized", paramLabel = "FILE", description = {"A model of the same input and classes trained on "
            + "shuffled labels (xai4j train --shuffle-labels): adds one row per method comparing the two models' maps."})
    Path dataRandomized;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the redrawn weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the files go. Default: sanity/<input file name>.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<Method> chosen = new ArrayList<>();
        for (String name : new LinkedHashSet<>(methods)) {
            chosen.add(Methods.named(name.trim()));
        }
        Graph graph = model.graph();
        List<String> layers = ModelRandomization.layersTopDown(graph);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(model.file() + ": the model has no convolution or linear layer to randomize");
        }
        int[] depths = depths(layers.size());
        INDArray x = input.tensor(graph.inputs().get(0));
        Head head = Head.of(graph);
        double[] scores = head.at(graph, x).toDoubleVector();
        int c = Target.argmax(scores);
        String label = labels.forModel(model.file(), scores.length).name(c);
        Graph shuffled = dataRandomized == null ? null : shuffledLabelsModel(x);
        Path dir = out != null ? out : Path.of("sanity", ExplainCommand.stem(input.file()));
        Files.createDirectories(dir);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "model: %s  input: %s  class %d (%s)  weighted layers: %d  cascade depths: %s%s%n%n",
                model.file(), input.file(), c, label, layers.size(), Arrays.toString(depths),
                shuffled == null ? "" : "  data-randomized: " + dataRandomized);
        o.printf(Locale.ROOT, "%-16s %-11s %-28s %5s %9s %9s %7s %7s%n", "method", "mode", "randomized", "depth",
                "spearman", "|spearman|", "ssim", "hog");
        List<String> csv = new ArrayList<>(List.of("method,mode,randomized,depth,spearman,spearman_abs,ssim,hog"));
        List<BufferedImage> figureRows = new ArrayList<>();
        // Layer null: each model's own last global pooling input (the same node in a redrawn copy).
        Parameters parameters = Parameters.DEFAULT;
        for (Method m : chosen) {
            List<SanityChecks.Row> rows = new ArrayList<>(SanityChecks.cascading(m, parameters, graph, x, c, depths, seed));
            if (independent) {
                rows.addAll(SanityChecks.independent(m, parameters, graph, x, c, layers, seed));
            }
            if (shuffled != null) {
                rows.add(SanityChecks.dataRandomization(m, parameters, graph, shuffled, x, c));
            }
            List<Figure.Panel> panels = new ArrayList<>();
            panels.add(new Figure.Panel(m.name() + ": trained", picture(SanityChecks.displayMap(m, parameters, graph, x, c))));
            for (SanityChecks.Row r : rows) {
                o.printf(Locale.ROOT, "%-16s %-11s %-28s %5d %9.4f %9.4f %7.4f %7.4f%n", r.method(), r.mode(), r.randomized(),
                        r.depth(), r.spearman(), r.spearmanAbs(), r.ssim(), r.hog());
                csv.add(String.format(Locale.ROOT, "%s,%s,%s,%d,%.6f,%.6f,%.6f,%.6f", r.method(), r.mode(), r.randomized(),
                        r.depth(), r.spearman(), r.spearmanAbs(), r.ssim(), r.hog()));
                if (r.mode().equals("cascading")) {
                    panels.add(new Figure.Panel("top " + r.depth() + " random", picture(r.map())));
                } else if (r.mode().equals("data")) {
                    panels.add(new Figure.Panel("shuffled labels", picture(r.map())));
                }
            }
            figureRows.add(Figure.sideBySide(panels));
        }
        Files.write(dir.resolve("sanity.csv"), csv);
        Overlay.writePng(stack(figureRows), dir.resolve("sanity.png"));
        o.println();
        o.println("wrote " + dir.resolve("sanity.csv") + " and " + dir.resolve("sanity.png"));
        return 0;
    }

    /**
     * The --data-randomized model, refused in one line when it does not take the same input, give
     * the same classes or expect the same preprocessing (the same photo would mean other numbers).
     */
    private Graph shuffledLabelsModel(INDArray x) {
        Graph shuffled = Models.load(dataRandomized);
        try {
            SanityChecks.requireSameTask(model.graph(), shuffled, x);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--data-randomized " + dataRandomized + ": " + e.getMessage(), e);
        }
        if (input.pixels.preprocess == null && !InputOptions.isNpy(input.file())) {
            PreprocessDetection.Choice ours = input.preprocessing(model.file(), model.graph());
            PreprocessDetection.Choice theirs = PreprocessDetection.detect(dataRandomized, shuffled);
            if (ours.preset() != theirs.preset()) {
                throw new IllegalArgumentException("--data-randomized " + dataRandomized + ": it expects preprocessing "
                        + theirs.preset().cliName() + ", the model " + ours.preset().cliName() + "; pass --preprocess to feed both the same");
            }
        }
        return shuffled;
    }

    /** 1, the top tenth (at least 2), half and all, without repeats, unless --cascade says otherwise. */
    private int[] depths(int n) {
        List<Integer> asked = cascade != null ? cascade
                : List.of(1, Math.max(2, (int) Math.round(0.1 * n)), Math.max(1, n / 2), n);
        for (int k : asked) {
            if (k < 1 || k > n) {
                throw new IllegalArgumentException("--cascade " + k + " is out of range: the model has " + n + " weighted layers (1.." + n + ")");
            }
        }
        return asked.stream().distinct().sorted().mapToInt(Integer::intValue).toArray();
    }

    /** One map of the sanity figure (eval's report draws its figure with this too). */
    static BufferedImage picture(Plane map) {
        return Overlay.heatmap(map.array(), Colormap.JET, Normalization.percentiles(0, 99.5));
    }

    private static BufferedImage stack(List<BufferedImage> rows) {
        int width = rows.stream().mapToInt(BufferedImage::getWidth).max().orElseThrow();
        int height = rows.stream().mapToInt(BufferedImage::getHeight).sum();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, width, height);
        int y = 0;
        for (BufferedImage r : rows) {
            g.drawImage(r, 0, y, null);
            y += r.getHeight();
        }
        g.dispose();
        return out;
    }
}
