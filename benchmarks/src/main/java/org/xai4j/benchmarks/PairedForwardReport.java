package org.xai4j.benchmarks;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;

/**
 * The forward pass of xai4j and of ONNX Runtime's Java API on the same ONNX file, timed in one JVM
 * in alternating blocks of passes ({@code x o o x x o o x ...}), so that the drift of a shared
 * host falls on both sides alike.
 *
 * <p>Why: on a 2-vCPU virtual machine the same plan's median moves by 20-25% over tens of
 * seconds within one process (ResNet-18 at batch 1: 8.4, then 10.5, then 9.0 ms, blocks of 150
 * passes), so the JMH rounds of {@link OnnxForwardBenchmark}, one runtime per fork and minutes
 * apart, compare two hosts as much as two runtimes. Here every xai4j block has an ONNX Runtime
 * block beside it, seconds apart; the report gives each side's median of its block medians, the
 * ratio of those, and in how many adjacent pairs xai4j was at or below ONNX Runtime.
 *
 * <p>Both sides run as {@link OnnxForwardBenchmark} runs them: xai4j's {@code Graph.predict}
 * with its default kernels (Winograd once it pays, after the warm-up here), ONNX Runtime with 2
 * intra-op threads, all graph optimizations and its default spinning. Between blocks the report
 * sleeps {@link #SETTLE_MILLIS}, longer than either side's threads spin after a pass, so one
 * side's idle threads do not take the other's cores. The JVM runs both, so start it as the
 * benchmarks are started ({@code OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1}).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.xai4j.benchmarks.PairedForwardReport \
 *     [--models resnet18,resnet50,mobilenet_v2] [--batches 1,8] [--pairs 10] [--block-seconds 1] [--warmup-seconds 8]
 * </pre>
 */
public final class PairedForwardReport {
    /** The largest batch: 64 images of 224 x 224 are 38.5 MB of input a side, and the passes' activations many times that. */
    static final int MAX_BATCH = 64;

    /** Pause between blocks: ONNX Runtime's idle intra-op threads spin for well under this before they block. */
    static final long SETTLE_MILLIS = 100;

    private PairedForwardReport() {}

    /** Command-line settings; see the class comment. */
    record Settings(List<String> models, int[] batches, int pairs, double blockSeconds, double warmupSeconds) {
        static Settings parse(String[] args) {
            List<String> models = List.of("resnet18", "resnet50", "mobilenet_v2");
            int[] batches = {1, 8};
            int pairs = 10;
            double block = 1, warmup = 8;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[++i] : fail(a + " needs a value");
                switch (a) {
                    case "--models" -> models = List.of(v.split(","));
                    case "--batches" -> batches = Arrays.stream(v.split(",")).mapToInt(s -> between(s, a, MAX_BATCH)).toArray();
                    case "--pairs" -> pairs = between(v, a, 10_000);
                    case "--block-seconds" -> block = seconds(v, a);
                    case "--warmup-seconds" -> warmup = seconds(v, a);
                    default -> fail("unknown option " + a + "; accepted: --models, --batches, --pairs, --block-seconds, --warmup-seconds");
                }
            }
            return new Settings(models, batches, pairs, block, warmup);
        }

        static int between(String v, String option, int max) {
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= 1 && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            return fail(option + " must be a whole number from 1 to " + max + ", got '" + v + "'");
        }

        private static double seconds(String v, String option) {
            try {
                double s = Double.parseDouble(v.trim());
                if (s > 0 && s <= 3600) {
                    return s;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            return fail(option + " must be seconds above 0 and at most 3600, got '" + v + "'");
        }

        private static <T> T fail(String message) {
            throw new IllegalArgumentException(message);
        }
    }

    /** One model and batch: each side's block medians in ms, in the order they ran. */
    record Result(String model, int batch, int passesPerBlock, double[] xai4j, double[] onnxRuntime) {
        double median(double[] blocks) {
            double[] s = blocks.clone();
            Arrays.sort(s);
            int n = s.length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }

        /** Per pair (block i of each side), xai4j / ONNX Runtime. */
        double[] ratios() {
            double[] r = new double[xai4j.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = xai4j[i] / onnxRuntime[i];
            }
            return r;
        }

        long atOrBelow() {
            return Arrays.stream(ratios()).filter(r -> r <= 1).count();
        }
    }

    /** Runs the report; a bad option, model name or file ends it with one line naming it (exit status 2). */
    public static void main(String[] args) throws Exception {
        try {
            run(Settings.parse(args));
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            System.err.println("PairedForwardReport: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0); // ONNX Runtime's and OpenMP's threads
    }

    static void run(Settings s) throws InterruptedException {
        org.xai4j.engine.Memory.setDefaultCollectionInterval(java.time.Duration.ofSeconds(10)); // as the JMH forks run
        System.out.println(host());
        List<Result> results = new ArrayList<>();
        for (String model : s.models()) {
            for (int batch : s.batches()) {
                Result r = measure(model, batch, s);
                results.add(r);
                System.out.printf(Locale.ROOT, "%s batch %d: xai4j %s | ONNX Runtime %s%n", model, batch, list(r.xai4j()), list(r.onnxRuntime()));
            }
        }
        System.out.println();
        System.out.println("| model | batch | passes a block | xai4j median ms | ONNX Runtime median ms | ratio of medians | pair ratios (min-max) | pairs at or below |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            double[] q = r.ratios().clone();
            Arrays.sort(q);
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f | %.3f | %.2f-%.2f | %d of %d |%n", r.model(), r.batch(), r.passesPerBlock(),
                    r.median(r.xai4j()), r.median(r.onnxRuntime()), r.median(r.xai4j()) / r.median(r.onnxRuntime()),
                    q[0], q[q.length - 1], r.atOrBelow(), q.length);
        }
    }

    /** Both sides on one model and batch: warm-up, then {@code pairs} blocks each in the order x o o x x o o x. */
    static Result measure(String model, int batch, Settings s) throws InterruptedException {
        Path file = OnnxFiles.of(model);
        Graph graph = Models.build(file.toString());
        OrtSide ortSide = new OrtSide();
        ortSide.threads = 2;
        ortSide.ortSpinning = true;
        try {
            OrtModel ort = ortSide.open(file);
            Nd4j.getRandom().setSeed(Models.SEED);
            INDArray x = Nd4j.randn(DataType.FLOAT, ort.inputShape(batch)); // Models.input's batch for the 224 x 224 models
            FloatBuffer rows = ort.batch(batch).put(x.dup('c').data().asFloat());
            Runnable xai4j = () -> graph.predict(x);
            Runnable onnxRuntime = () -> ort.logits(rows, batch);
            double perPass = 0;
            for (Runnable side : List.of(xai4j, onnxRuntime, xai4j, onnxRuntime)) {
                perPass = Math.max(perPass, warm(side, s.warmupSeconds() / 2));
            }
            int passes = (int) Math.max(5, Math.min(10_000, Math.round(s.blockSeconds() * 1e3 / perPass)));
            double[] a = new double[s.pairs()], b = new double[s.pairs()];
            for (int i = 0; i < s.pairs(); i++) {
                boolean xai4jFirst = i % 2 == 0;
                Runnable first = xai4jFirst ? xai4j : onnxRuntime, second = xai4jFirst ? onnxRuntime : xai4j;
                double t1 = block(first, passes), t2 = block(second, passes);
                a[i] = xai4jFirst ? t1 : t2;
                b[i] = xai4jFirst ? t2 : t1;
            }
            return new Result(model, batch, passes, a, b);
        } finally {
            ortSide.close();
            org.xai4j.engine.Acceleration.release(graph); // the next cell's plans need the memory
        }
    }

    /** Runs {@code side} for about {@code seconds}; the median ms of its last passes. */
    static double warm(Runnable side, double seconds) throws InterruptedException {
        Thread.sleep(SETTLE_MILLIS);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Double> times = new ArrayList<>();
        do {
            long t0 = System.nanoTime();
            side.run();
            times.add((System.nanoTime() - t0) / 1e6);
        } while (System.nanoTime() < end);
        double[] last = times.subList(times.size() / 2, times.size()).stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(last);
        return last[last.length / 2];
    }

    /** {@code passes} passes of {@code side} after a pause; their median in ms. */
    static double block(Runnable side, int passes) throws InterruptedException {
        Thread.sleep(SETTLE_MILLIS);
        double[] t = new double[passes];
        for (int i = 0; i < passes; i++) {
            long t0 = System.nanoTime();
            side.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[passes / 2];
    }

    private static String list(double[] v) {
        StringBuilder s = new StringBuilder();
        for (double d : v) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", d));
        }
        return s.toString();
    }

    /** "2 cores, AVX-512 (avx512f, avx512_bf16, avx512_vp2intersect), load 1.23": where the report ran. */
    static String host() {
        String flags = "";
        try {
            String cpu = java.nio.file.Files.readString(Path.of("/proc/cpuinfo"));
            List<String> wide = new ArrayList<>();
            for (String f : List.of("avx512f", "avx512_bf16", "avx512_vp2intersect", "avx2")) {
                if (cpu.contains(" " + f + " ") || cpu.contains(" " + f + "\n")) {
                    wide.add(f);
                }
            }
            flags = String.join(", ", wide);
        } catch (java.io.IOException e) {
            flags = "flags unread";
        }
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return String.format(Locale.ROOT, "host: %d cores (%s), load %.2f", Runtime.getRuntime().availableProcessors(), flags, load);
    }
}
