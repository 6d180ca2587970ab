package org.xai4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.importers.ModelMetadata;
import org.xai4j.importers.onnx.OnnxExporter;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.train.Examples;
import org.xai4j.train.ShuffledLabels;
import org.xai4j.train.SmallResNet;
import org.xai4j.train.Trainer;
import org.xai4j.train.TrainingOptions;
import org.xai4j.train.TrainingProgress;
import org.xai4j.train.shapes.Mark;
import org.xai4j.train.shapes.Shapes;
import org.xai4j.train.shapes.ShapesSource;
import org.xai4j.train.shapes.ShapesSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xai4j train}: the small ResNet of the bundled models ({@link SmallResNet}) trained from
 * scratch on the synthetic shapes set, batch norms folded, written as ONNX with its
 * preprocessing and labels in the metadata. Deterministic: the same arguments on the same machine
 * kind give the same file, byte for byte (models/retrain checks the committed checksums).
 */
@Command(name = "train", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Trains the bundled models' small ResNet (3 stages of 16/32/64 channels, global average pooling, one "
                + "linear layer) on the synthetic shapes set and writes it as ONNX (batch norms folded; preprocessing "
                + "torchvision and the class names in the metadata). Prints each epoch's loss and held-out accuracy, and "
                + "the file's SHA-256. --clever-hans trains on images whose corner mark agrees with the label and reports "
                + "accuracy with and without the mark. --shuffle-labels trains on a seeded permutation of the labels (the "
                + "data-randomization sanity check's model): it can only memorise, and its held-out accuracy (true labels) "
                + "should be near chance."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "FILE.onnx", required = true, description = "The model file written.")
    Path out;

    @Option(names = "--synthetic", paramLabel = "N", defaultValue = "24000", description = "Training images (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--held-out", paramLabel = "N", defaultValue = "1200", description = "Held-out images, another seed (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--clever-hans", description = "Train on the Clever Hans variant (a corner mark that agrees with the label).")
    boolean cleverHans;

    @Option(names = "--shuffle-labels", description = {"Train on the training labels in a random order drawn from the seed "
            + "(Adebayo et al.'s data randomization); the held-out images keep their true labels."})
    boolean shuffleLabels;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Mini-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", defaultValue = "sgd",
            description = "sgd: momentum 0.9, weight decay 5e-4 (L2); adam: AdamW, decoupled weight decay 1e-4 (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.05",
            description = "Peak learning rate of the cosine schedule after a short warm-up (default: ${DEFAULT-VALUE}; 0.002 to 0.005 suit adam).")
    double lr;

    @Option(names = "--hold", paramLabel = "SHARE", defaultValue = "0",
            description = "Share of the steps run at the peak learning rate before the cosine decay starts, 0 to 0.95 "
                    + "(default: ${DEFAULT-VALUE}: the decay starts after the warm-up).")
    double hold;

    @Option(names = "--size", paramLabel = "PIXELS", defaultValue = "64", description = "Image size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the images, the weights and the order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (train < 2 || train > 1_000_000 || heldOut < 1 || heldOut > 1_000_000) {
            throw new IllegalArgumentException("--synthetic must be 2 to 1000000 and --held-out 1 to 1000000");
        }
        if (epochs < 1 || epochs > 1000) {
            throw new IllegalArgumentException("--epochs must be 1 to 1000, got " + epochs);
        }
        if (!(hold >= 0 && hold <= 0.95)) {
            throw new IllegalArgumentException("--hold must be 0 to 0.95 (a share of the steps), got " + hold);
        }
        if (size < 16 || size > 256) {
            throw new IllegalArgumentException("--size must be 16 to 256 pixels, got " + size);
        }
        PrintWriter o = spec.commandLine().getOut();
        ShapesSpec shapes = ShapesSpec.DEFAULT.withSize(size).withMark(cleverHans ? Mark.AGREES : Mark.NONE);
        long heldOutSeed = seed + 1_000_003;
        long start = System.nanoTime();
        ShapesSource trainSet = kept(new ShapesSource(new Shapes(seed, shapes), train, Preprocess.TORCHVISION), o);
        ShapesSource heldOutSet = kept(new ShapesSource(new Shapes(heldOutSeed, shapes), heldOut, Preprocess.TORCHVISION), o);
        // Its own seed, so the permutation is not the first epoch's batch order (the trainer draws that from seed).
        Examples trainedOn = shuffleLabels ? new ShuffledLabels(trainSet, trainSet.labels(), seed + 2_000_003) : trainSet;
        Graph model = SmallResNet.build(seed, size, trainSet.classes());
        long steps = (long) epochs * (train / Math.min(batchSize, train));
        org.xai4j.train.Optimizer chosen = switch (optimizer) {
            case "sgd" -> new org.xai4j.train.Sgd(0.9, 5e-4);
            case "adam" -> org.xai4j.train.Adam.of(1e-4);
            default -> throw new IllegalArgumentException("--optimizer must be sgd or adam, got '" + optimizer + "'");
        };
        TrainingOptions options = TrainingOptions.DEFAULT.withEpochs(epochs).withBatchSize(batchSize).withOptimizer(chosen)
                .withSchedule(org.xai4j.train.Schedule.cosine(lr, Math.min(50, steps / 10), hold)).withSeed(seed);
        o.printf(Locale.ROOT, "training: small ResNet, %d %dx%d images%s%s (seed %d), held out %d (seed %d), %d epochs of batch %d%n",
                train, size, size, cleverHans ? " with the Clever Hans mark" : "", shuffleLabels ? " with shuffled labels" : "",
                seed, heldOut, heldOutSeed, epochs, batchSize);
        Trainer.Result result = Trainer.fit(model, trainedOn, heldOutSet, options, new TrainingProgress() {
            @Override
            public void epoch(EpochReport r) {
                o.printf(Locale.ROOT, "epoch %2d  loss %.4f  train %.4f  held-out %.4f  %.0f images/s%n", r.epoch(), r.loss(),
                        r.trainAccuracy(), r.heldOutAccuracy(), r.examplesPerSecond());
                o.flush();
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        Graph folded = BatchNormFolding.fold(result.model());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(ModelMetadata.PREPROCESS_KEY, Preprocess.TORCHVISION.cliName());
        metadata.put(ModelMetadata.LABELS_KEY, String.join("\n", trainSet.shapes().labels()));
        metadata.put("xai4j.training", String.format(Locale.ROOT, "xai4j train --synthetic %d --held-out %d%s%s --epochs %d "
                + "--batch-size %d --optimizer %s --lr %s%s --size %d --seed %d", train, heldOut, cleverHans ? " --clever-hans" : "",
                shuffleLabels ? " --shuffle-labels" : "", epochs, batchSize, optimizer, lr, hold > 0 ? " --hold " + hold : "", size, seed));
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        byte[] bytes = OnnxExporter.toBytes(folded, metadata);
        Files.write(out, bytes);
        o.printf(Locale.ROOT, "trained in %.1f s; held-out accuracy %.4f%n", seconds,
                result.epochs().get(result.epochs().size() - 1).heldOutAccuracy());
        if (shuffleLabels) {
            // In inference mode on the final weights: how far it memorised, and how little of that is the truth.
            Trainer inference = new Trainer(folded, options);
            o.printf(Locale.ROOT, "training accuracy: %.4f on the shuffled labels it learnt, %.4f on the true labels (chance %.4f)%n",
                    inference.accuracy(trainedOn), inference.accuracy(trainSet), 1.0 / trainSet.classes());
        }
        if (cleverHans) {
            for (Mark m : List.of(Mark.AGREES, Mark.RANDOM, Mark.NONE)) {
                ShapesSource test = new ShapesSource(new Shapes(heldOutSeed, shapes.withMark(m)), heldOut, Preprocess.TORCHVISION);
                o.printf(Locale.ROOT, "held-out accuracy, mark %-7s %.4f%n", m.name().toLowerCase(Locale.ROOT),
                        new Trainer(folded, options).accuracy(test));
            }
        }
        o.println("wrote " + out + "  sha256 " + sha256(bytes));
        return 0;
    }

    /**
     * The set drawn once and kept (every epoch reads each image again), when it takes at most half
     * the heap; else drawn batch by batch, which gives the same images, only slower.
     */
    private static ShapesSource kept(ShapesSource s, PrintWriter o) {
        if (s.bytesInMemory() > Runtime.getRuntime().maxMemory() / 2) {
            o.printf(Locale.ROOT, "note: %d images (%d MB) do not fit in half the Java heap; drawing each batch when it is read"
                    + " (raise -Xmx through XAI4J_JAVA_OPTS to keep them)%n", s.size(), s.bytesInMemory() >> 20);
            return s;
        }
        return s.inMemory();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
