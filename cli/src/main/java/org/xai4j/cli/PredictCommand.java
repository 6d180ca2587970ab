package org.xai4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.xai4j.engine.Finite;
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

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", converter = Converters.Positive.class,
            description = "With several inputs: how many go through the model in one pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--out", paramLabel = "DIR",
            description = "With several inputs: where each one's prediction.json (and saved arrays) go, one subfolder "
                    + "per input, with index.json and index.html. Default: predictions/ in the current directory.")
    Path out;

    @Mixin
    OutputOptions format;

    @Override
    public Integer call() {
        Graph graph = model.graph();
        Graph.Input in = model.input();
        if (input.many()) {
            return predictMany(graph, in);
        }
        if (!InputOptions.isNpy(input.file())) {
            input.preprocessing(model.file(), graph);
        }
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
            out.println(Json.write(json(input.file(), output, y, logitsName, endsInSoftmax, top, saved)));
        } else {
            print(out, output, y, logitsName, endsInSoftmax, top, saved);
        }
        return 0;
    }

    private void print(PrintWriter out, String output, INDArray y, String logitsName, boolean endsInSoftmax,
                       List<List<Predictions.Entry>> top, Map<String, String> saved) {
        out.println("model:  " + model.file());
        out.println("input:  " + input.describe());
        out.println(input.preprocessLine());
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

    private Map<String, Object> json(Path file, String output, INDArray y, String logitsName, boolean endsInSoftmax,
                                     List<List<Predictions.Entry>> top, Map<String, String> saved) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.file().toString());
        o.put("input", file.toString());
        o.putAll(input.preprocessJson(!InputOptions.isNpy(file)));
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

    /**
     * Several inputs: the model read once, inputs in passes of --batch-size rows when the model
     * takes batches (Batching); each input's prediction.json (the object --json prints for one
     * input) and saved arrays in its subfolder, the tables on stdout, and the index.
     */
    private int predictMany(Graph graph, Graph.Input in) {
        List<Path> files = input.files();
        input.preprocessing(model.file(), graph);
        Map<Path, String> subfolders = InputFiles.subfolders(files);
        Path root = out != null ? out : Path.of("predictions");
        Map<String, String> activations = new LinkedHashMap<>();
        saveActivations.forEach((name, file) -> activations.put(name, graph.resolve(name)));
        Head head = Head.of(graph);
        String output = head.output();
        boolean endsInSoftmax = head.softmax() != null;
        String logitsName = endsInSoftmax && graph.isInput(head.logits()) ? null : head.logits();
        if (saveLogits != null && logitsName == null) {
            throw new IllegalArgumentException("the model output '" + output + "' is a softmax of the graph input; "
                    + "there are no logits to save");
        }
        Set<String> keep = new LinkedHashSet<>(List.of(output));
        if (logitsName != null) {
            keep.add(logitsName);
        }
        keep.addAll(activations.values());

        PrintWriter o = format.out();
        PrintWriter err = format.command.commandLine().getErr();
        if (!format.json) {
            o.println("model:  " + model.file());
            o.println(input.preprocessLine());
            o.println("inputs: " + files.size() + " files");
            o.println("output: " + output + (endsInSoftmax ? ", probabilities from the model's softmax"
                    : ", probabilities = softmax(logits)"));
            o.println("out:    " + root);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("model", model.file().toString());
        run.putAll(input.preprocessJson(true));
        run.put("output", output);
        run.put("probabilities", endsInSoftmax ? "model softmax" : "softmax(logits)");
        BatchIndex index = new BatchIndex("predict", root, run);
        Graph batched = null;
        boolean known = false;
        try (ImagesProgress progress = new ImagesProgress(err, System.console() != null, files.size())) {
            for (int from = 0; from < files.size(); from += batchSize) {
                List<Path> group = files.subList(from, Math.min(files.size(), from + batchSize));
                List<Path> read = new ArrayList<>();
                List<INDArray> xs = new ArrayList<>();
                List<Map<String, Object>> records = new ArrayList<>();
                for (Path f : group) {
                    Map<String, Object> record = index.add(f, subfolders.get(f));
                    try {
                        MemoryBudget.checkInference(graph, Map.of(in.name(), input.shape(f, in)), keep, Float.BYTES);
                        xs.add(input.read(f, in).x());
                        read.add(f);
                        records.add(record);
                    } catch (RuntimeException e) {
                        index.fail(record, e, err);
                    }
                }
                if (!known && !xs.isEmpty()) {
                    INDArray x = xs.get(0);
                    if (x.size(0) == 1) {
                        try {
                            batched = Batching.withFreeBatch(graph, x, head.at(graph, x));
                        } catch (RuntimeException e) {
                            batched = null;
                        }
                    }
                    known = true;
                }
                List<Map<String, INDArray>> values = null;
                boolean same = xs.size() > 1 && xs.stream().allMatch(x -> x.size(0) == 1 && Arrays.equals(x.shape(), xs.get(0).shape()));
                if (batched != null && same) {
                    try {
                        long[] shape = xs.get(0).shape().clone();
                        shape[0] = xs.size();
                        MemoryBudget.checkInference(batched, Map.of(in.name(), shape), keep, Float.BYTES);
                        Map<String, INDArray> all = batched.run(Map.of(in.name(), Nd4j.concat(0, xs.toArray(INDArray[]::new))), keep);
                        values = new ArrayList<>();
                        for (int i = 0; i < xs.size(); i++) {
                            Map<String, INDArray> one = new LinkedHashMap<>();
                            for (Map.Entry<String, INDArray> e : all.entrySet()) {
                                one.put(e.getKey(), e.getValue().get(NDArrayIndex.interval(i, i + 1)).dup());
                            }
                            values.add(one);
                        }
                    } catch (RuntimeException e) {
                        // One input spoiled the pass (say, an overflow): each alone finds which.
                        values = null;
                    }
                }
                for (int i = 0; i < read.size(); i++) {
                    Path f = read.get(i);
                    Map<String, Object> record = records.get(i);
                    try {
                        Map<String, INDArray> v = values != null ? values.get(i) : graph.run(Map.of(in.name(), xs.get(i)), keep);
                        predictOne(f, root.resolve(subfolders.get(f)), record, v, output, logitsName, endsInSoftmax, activations,
                                progress, o);
                    } catch (RuntimeException e) {
                        index.fail(record, e, err);
                    }
                }
                progress.advance(group.size());
            }
        }
        return index.finish(o, format.json);
    }

    /** The files, record and table of one input of a many-input run, from its pass's {@code values}. */
    private void predictOne(Path file, Path dir, Map<String, Object> record, Map<String, INDArray> values, String output,
                            String logitsName, boolean endsInSoftmax, Map<String, String> activations, ImagesProgress progress,
                            PrintWriter o) {
        INDArray y = values.get(output);
        INDArray logits = logitsName == null ? null : values.get(logitsName);
        Finite.check(y, file.toString(), "the model's output on it is not finite");
        int classes = (int) (y.length() / y.size(0));
        Labels names = labels.forModel(model.file(), classes);
        List<List<Predictions.Entry>> top = Predictions.top(endsInSoftmax ? y : null, logits, names, this.top);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + dir + ": " + e.getMessage(), e);
        }
        Map<String, String> saved = new LinkedHashMap<>();
        if (saveLogits != null) {
            Path f = dir.resolve(saveLogits.getFileName());
            Npy.write(logits, f);
            saved.put(logitsName, f.toString());
        }
        activations.forEach((name, resolved) -> {
            Path f = dir.resolve(saveActivations.get(name).getFileName());
            Npy.write(values.get(resolved), f);
            saved.put(resolved, f.toString());
        });
        Path json = dir.resolve("prediction.json");
        try {
            Files.writeString(json, Json.write(json(file, output, y, logitsName, endsInSoftmax, top, saved)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
        }
        Predictions.Entry first = top.get(0).get(0);
        Map<String, Object> best = new LinkedHashMap<>();
        best.put("class", first.index());
        best.put("label", first.label());
        best.put("probability", first.probability());
        best.put("logit", Double.isNaN(first.logit()) ? null : first.logit());
        record.put("top", best);
        record.put("files", List.of(dir.getFileName() + "/prediction.json"));
        record.put("saved", saved);
        if (!InputOptions.isNpy(file)) {
            // The photo itself on the index page, by a path relative to the index.
            record.put("pictures", List.of(dir.getParent().toAbsolutePath().relativize(file.toAbsolutePath()).toString()));
        }
        if (!format.json) {
            StringBuilder s = new StringBuilder("\n" + file + " -> " + dir);
            for (List<Predictions.Entry> item : top) {
                for (Predictions.Entry e : item) {
                    s.append(String.format(Locale.ROOT, "%n%4d  %5d  %-24s  %11.4f  %10s", e.rank(), e.index(), e.label(),
                            e.probability(), Double.isNaN(e.logit()) ? "-" : String.format(Locale.ROOT, "%.4f", e.logit())));
                }
            }
            progress.println(o, s.toString());
        }
    }
}
