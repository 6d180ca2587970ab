package org.xai4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.engine.io.Labels;
import org.xai4j.explain.Head;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.inside.ActivationMaximization;
import org.xai4j.explain.inside.ActivationMaximization.Objective;
import org.xai4j.explain.inside.ActivationMaximization.Settings;
import org.xai4j.explain.inside.Grid;
import org.xai4j.explain.inside.PixelSpace;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code xai4j maximize}: the image that a class or a channel responds to most, by gradient ascent. */
@Command(name = "maximize", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Activation maximization (Simonyan et al. 2014; Olah et al. 2017, Lucent): gradient ascent on the "
                + "input for a class logit (--target) or a channel's mean or one unit (--layer, --channel, --unit). By default "
                + "Lucent's recipe: a decorrelated Fourier image, colour decorrelation, jitter, random scale and rotation; "
                + "--plain is the unregularised ascent in pixels, which --l2, --tv and --blur regularise. Writes the image "
                + "in pixel space at the model's input size (the preprocessing inverted), DIR/<objective>.png, so that "
                + "`xai4j predict` on it with the same --preprocess gives the scores printed here, and DIR/<objective>.json."})
final class MaximizeCommand implements Callable<Integer> {
    static final int MAX_STEPS = 100_000;

    @Mixin
    ModelOptions model;

    @Mixin
    PixelOptions pixels;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    static final class What {
        @Option(names = "--target", required = true, paramLabel = "CLASS", description = "A class index: its pre-softmax logit.")
        Integer target;

        @ArgGroup(exclusive = false)
        Unit unit;
    }

    static final class Unit {
        @Option(names = "--layer", required = true, paramLabel = "NODE", description = "A node with feature maps.")
        String layer;

        @Option(names = "--channel", required = true, paramLabel = "K", description = "Its channel K: the channel's mean, or with --unit one unit.")
        int channel;

        @Option(names = "--unit", paramLabel = "Y,X", split = ",", description = "The unit at row Y, column X of the channel.")
        List<Integer> position;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "256", description = "Gradient steps (default: ${DEFAULT-VALUE}).")
    String steps;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.05", description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--plain", description = "Pixels instead of the Fourier image, no colour decorrelation, no transforms.")
    boolean plain;

    @Option(names = "--jitter", paramLabel = "PX", description = "Random shift of up to PX pixels each step (default: 8; --plain: 0).")
    Integer jitter;

    @Option(names = "--scale", paramLabel = "S", description = "Random scale in [1-S, 1+S] each step (default: 0.1; --plain: 0).")
    Double scale;

    @Option(names = "--rotate", paramLabel = "DEG", description = "Random rotation within +-DEG degrees each step (default: 10; --plain: 0).")
    Double rotate;

    @Option(names = "--l2", paramLabel = "W", defaultValue = "0", description = "Weight of ||x||^2 / n on the model input (default: 0).")
    double l2;

    @Option(names = "--tv", paramLabel = "W", defaultValue = "0", description = "Weight of the total variation / n (default: 0).")
    double tv;

    @Option(names = "--blur", paramLabel = "SIGMA", defaultValue = "0", description = "Gaussian blur of the pixel image every --blur-every steps (--plain only; default: off).")
    double blur;

    @Option(names = "--blur-every", paramLabel = "N", defaultValue = "4", description = "(default: ${DEFAULT-VALUE})")
    int blurEvery;

    @Option(names = "--images", paramLabel = "B", defaultValue = "1", description = "How many images, optimised together (default: ${DEFAULT-VALUE}).")
    String images;

    @Option(names = "--diversity", paramLabel = "W", defaultValue = "0",
            description = "Weight of Lucent's diversity term (Gram matrices of the layer's channels, or --diversity-layer's), for --images >= 2.")
    double diversity;

    @Option(names = "--diversity-layer", paramLabel = "NODE", description = "The layer whose Gram matrices diversity compares.")
    String diversityLayer;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the files go (default: inside/<model name>).")
    Path out;

    @Override
    public Integer call() {
        int n = count("--steps", steps, MAX_STEPS);
        int b = count("--images", images, 64);
        Graph graph = model.graph();
        Graph.Input in = model.input();
        int[] hw = pixels.side(in);
        Preprocess preset = pixels.preprocessing(model.file(), graph).preset();
        Objective objective;
        String name;
        if (what.target != null) {
            objective = new Objective.Logit(what.target);
            name = "class_" + what.target;
        } else if (what.unit.position == null) {
            objective = new Objective.ChannelMean(graph.resolve(what.unit.layer), what.unit.channel);
            name = Inside.fileName(graph.resolve(what.unit.layer)) + "_channel_" + what.unit.channel;
        } else {
            if (what.unit.position.size() != 2) {
                throw new ParameterException(spec.commandLine(), "--unit takes Y,X (two numbers), got " + what.unit.position);
            }
            objective = new Objective.Unit(graph.resolve(what.unit.layer), what.unit.channel, what.unit.position.get(0), what.unit.position.get(1));
            name = Inside.fileName(graph.resolve(what.unit.layer)) + "_channel_" + what.unit.channel + "_unit_"
                    + what.unit.position.get(0) + "_" + what.unit.position.get(1);
        }
        Settings s = (plain ? Settings.PLAIN : Settings.LUCENT).withSteps(n).withLearningRate(rate)
                .withTransforms(jitter != null ? jitter : plain ? 0 : 8, scale != null ? scale : plain ? 0 : 0.1,
                        rotate != null ? rotate : plain ? 0 : 10)
                .withPenalties(l2, tv).withBlur(blur, blurEvery).withImages(b, diversity, diversityLayer).withSeed(seed);
        Head head = Head.of(graph);
        Labels names = null;
        PrintWriter w = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        w.println("model:     " + model.file() + " (" + hw[0] + "x" + hw[1] + ")");
        w.println(pixels.line());
        pixels.warnIfGuessed(err);
        w.println("objective: " + ActivationMaximization.describe(objective));
        w.println("settings:  " + (plain ? "plain pixels" : "Fourier image, colour decorrelation") + ", " + n + " steps, Adam lr " + rate
                + ", jitter " + s.jitter() + " px, scale +-" + s.scale() + ", rotation +-" + s.degrees() + " deg, l2 " + l2 + ", tv " + tv
                + ", blur " + blur + (b > 1 ? ", " + b + " images, diversity " + diversity : "") + ", seed " + seed);
        ActivationMaximization.Result r;
        long t0 = System.nanoTime();
        try (InsideProgress progress = new InsideProgress(err, "maximize", "steps", (long) n * b)) {
            r = new ActivationMaximization(graph, PixelSpace.of(preset::apply), hw[0], hw[1]).run(objective, s, progress);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Path dir = Inside.out(out, model.file());
        List<Grid.Tile> tiles = new ArrayList<>();
        List<Object> rows = new ArrayList<>();
        INDArray logits = graph.run(Map.of(in.name(), r.input()), List.of(head.logits())).get(head.logits());
        int classes = (int) logits.size(1);
        names = labels.forModel(model.file(), classes);
        for (int i = 0; i < b; i++) {
            Path file = dir.resolve(b == 1 ? name + ".png" : name + "_" + i + ".png");
            java.awt.image.BufferedImage image = ActivationMaximization.picture(r.pixels().slice(i));
            Overlay.writePng(image, file);
            tiles.add(new Grid.Tile(b == 1 ? "" : "image " + i, image));
            INDArray row = logits.slice(i);
            int top = row.argMax().getInt(0);
            double p = softmax(row, top);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("file", file.toString());
            o.put("start_score", r.startScore()[i]);
            o.put("final_score", r.finalScore()[i]);
            o.put("top_class", top);
            o.put("top_label", names.name(top));
            o.put("top_probability", p);
            if (objective instanceof Objective.Logit l) {
                o.put("target_probability", softmax(row, l.classIndex()));
            }
            rows.add(o);
            w.printf(Locale.ROOT, "%s: %s %.4f -> %.4f; top class %d (%s) p=%.4f%s%n", file, "score", r.startScore()[i], r.finalScore()[i],
                    top, names.name(top), p, objective instanceof Objective.Logit l ? String.format(Locale.ROOT, ", class %d p=%.4f",
                            l.classIndex(), softmax(row, l.classIndex())) : "");
        }
        if (b > 1) {
            Overlay.writePng(Grid.of(ActivationMaximization.describe(objective), tiles, b, hw[1], null), dir.resolve(name + "_grid.png"));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model.file().toString());
        json.putAll(pixels.json());
        json.put("objective", ActivationMaximization.describe(objective));
        json.put("settings", s.toString());
        json.put("seconds", seconds);
        json.put("images", rows);
        java.nio.file.Path jsonFile = dir.resolve(name + ".json");
        try {
            java.nio.file.Files.writeString(jsonFile, Json.write(json) + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + jsonFile + ": " + e.getMessage(), e);
        }
        w.printf(Locale.ROOT, "time:      %.1f s (%.0f ms a step)%n", seconds, 1000 * seconds / n);
        return 0;
    }

    /** {@code value} as a whole number in 1..most, or a usage error naming the option and the range. */
    private int count(String option, String value, int most) {
        try {
            return (int) Converters.atLeastOne(value, most);
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw new ParameterException(spec.commandLine(), option + " " + value + ": a whole number from 1 to " + most);
        }
    }

    private static double softmax(INDArray row, int c) {
        double max = row.maxNumber().doubleValue();
        double sum = 0;
        for (long i = 0; i < row.length(); i++) {
            sum += Math.exp(row.getDouble(i) - max);
        }
        return Math.exp(row.getDouble(c) - max) / sum;
    }
}
