package org.xai4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.engine.io.Labels;
import org.xai4j.engine.io.Npy;
import org.xai4j.explain.Head;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code xai4j predict}: the top classes of a model on one photo or tensor, and chosen activations saved. */
@Command(name = "predict", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Runs a model on a photo or .npy tensor and prints the top classes: rank, class index, "
                + "label, probability and logit.")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    InputOptions input;

    @Mixin
    LabelOptions labels;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", converter = Converters.Positive.class,
            description = "How many classes to print (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--save-logits", paramLabel = "OUT.npy",
            description = "Write the pre-softmax output as float32 .npy: the input of the model's final Softmax "
                    + "when it ends in one, else the model output itself.")
    Path saveLogits;

    @Option(names = "--save-activation", paramLabel = "NODE=OUT.npy",
            description = "Write the output of node NODE (a name or alias as `xai4j layers` prints) as float32 .npy; repeatable.")
    Map<String, Path> saveActivations = new LinkedHashMap<>();

    @Mixin
    OutputOptions format;

    @Override
    public Integer call() {
        Graph graph = model.graph();
        Graph.Input in = model.input();
        // Names are checked before the forward pass, so a typo costs no waiting.
        Map<String, String> activations = new LinkedHashMap<>();
        saveActivations.forEach((name, file) -> activations.put(name, graph.resolve(name)));
        Head head = Head.of(graph);
        String output = head.output();
        boolean endsInSoftmax = head.softmax() != null;
        // A softmax of the graph input itself leaves no logits to show.
        String logitsName = endsInSoftmax && graph.isInput(head.logits()) ? null : head.logits();
        Set<String> keep = new LinkedHashSet<>(List.of(output));
        if (logitsName != null) {
            keep.add(logitsName);
        }
        keep.addAll(activations.values());
        // Before the photo is decoded and resized: a model may declare an input far too large.
        MemoryBudget.checkInference(graph, Map.of(in.name(), input.shape(in)), keep, Float.BYTES);
        INDArray x = input.tensor(in);
        Map<String, INDArray> values = graph.run(Map.of(in.name(), x), keep);
        INDArray y = values.get(output);
        INDArray logits = logitsName == null ? null : values.get(logitsName);

        int classes = (int) (y.length() / y.size(0));
        Labels names = labels.forModel(model.file(), classes);
        List<List<Predictions.Entry>> top = Predictions.top(endsInSoftmax ? y : null, logits, names, this.top);

        Map<String, String> saved = new LinkedHashMap<>();
        if (saveLogits != null) {
            if (logits == null) {
                throw new IllegalArgumentException("the model output '" + output + "' is a softmax of the graph input; "
                        + "there are no logits to save");
            }
            Npy.write(logits, saveLogits);
            saved.put(logitsName, saveLogits.toString());
        }
        activations.forEach((name, resolved) -> {
            Npy.write(values.get(resolved), saveActivations.get(name));
            saved.put(resolved, saveActivations.get(name).toString());
        });

        PrintWriter out = format.out();
        if (format.json) {
            out.println(Json.write(json(output, y, logitsName, endsInSoftmax, top, saved)));
        } else {
            print(out, output, y, logitsName, endsInSoftmax, top, saved);
        }
        return 0;
    }

    private void print(PrintWriter out, String output, INDArray y, String logitsName, boolean endsInSoftmax,
                       List<List<Predictions.Entry>> top, Map<String, String> saved) {
        out.println("model:  " + model.file());
        out.println("input:  " + input.describe());
        out.println("output: " + output + " " + Converters.shape(y.shape()) + (endsInSoftmax
                ? ", probabilities from the model's softmax" + (logitsName == null ? "" : "; logits = " + logitsName)
                : ", probabilities = softmax(logits)"));
        int width = "label".length();
        for (List<Predictions.Entry> item : top) {
            for (Predictions.Entry e : item) {
                width = Math.max(width, e.label().length());
            }
        }
        for (int b = 0; b < top.size(); b++) {
            out.println();
            if (top.size() > 1) {
                out.println("batch item " + b + ":");
            }
            out.printf("%4s  %5s  %-" + width + "s  %11s  %10s%n", "rank", "class", "label", "probability", "logit");
            for (Predictions.Entry e : top.get(b)) {
                out.printf("%4d  %5d  %-" + width + "s  %11.4f  %10s%n", e.rank(), e.index(), e.label(), e.probability(),
                        Double.isNaN(e.logit()) ? "-" : String.format("%.4f", e.logit()));
            }
        }
        if (!saved.isEmpty()) {
            out.println();
            saved.forEach((node, file) -> out.println("saved " + node + " -> " + file));
        }
    }

    private Map<String, Object> json(String output, INDArray y, String logitsName, boolean endsInSoftmax,
                                     List<List<Predictions.Entry>> top, Map<String, String> saved) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.file().toString());
        o.put("input", input.file().toString());
        o.put("preprocess", InputOptions.isNpy(input.file()) ? null : input.preprocess().cliName());
        o.put("output", output);
        o.put("output_shape", y.shape());
        o.put("logits", logitsName);
        o.put("probabilities", endsInSoftmax ? "model softmax" : "softmax(logits)");
        List<Object> batch = new ArrayList<>();
        for (int b = 0; b < top.size(); b++) {
            List<Object> rows = new ArrayList<>();
            List<Predictions.Entry> item = top.get(b);
            for (Predictions.Entry e : item) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("rank", e.rank());
                r.put("index", e.index());
                r.put("label", e.label());
                r.put("probability", e.probability());
                r.put("logit", Double.isNaN(e.logit()) ? null : e.logit());
                rows.add(r);
            }
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("item", b);
            one.put("top", rows);
            batch.add(one);
        }
        o.put("predictions", batch);
        o.put("saved", saved);
        return o;
    }
}
