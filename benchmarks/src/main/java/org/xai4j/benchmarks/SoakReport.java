package org.xai4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.explain.Explainer;
import org.xai4j.explain.GradCam;
import org.xai4j.explain.IntegratedGradients;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameters;
import org.xai4j.layers.Clip;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;

/**
 * Long runs in one JVM, printing resident memory (VmRSS, and the peak VmHWM) as they go:
 * <pre>
 *   SoakReport concurrency MODEL THREADS REPETITIONS   every explainer from THREADS threads on one
 *                                                       graph, each result compared bit for bit
 *                                                       with the same call on one thread
 *   SoakReport gradcam MODEL CALLS                     Grad-CAM at the last feature maps
 *   SoakReport ig MODEL CALLS                          integrated gradients, 32 steps
 *   SoakReport cycle MODEL CALLS                       Grad-CAM cycling over the last 8 rectifiers
 * </pre>
 * MODEL is an ONNX or Keras file; the input is a seeded standard normal batch of one.
 */
public final class SoakReport {
    private SoakReport() {}

    public static void main(String[] args) throws Exception {
        org.xai4j.engine.Memory.setDefaultCollectionInterval(java.time.Duration.ofSeconds(10)); // the command line's policy
        String mode = args[0];
        Graph graph = org.xai4j.importers.Models.load(Path.of(args[1]));
        long[] shape = graph.inputs().get(0).shape().clone();
        shape[0] = 1;
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        List<String> rectifiers = graph.nodes().stream()
                .filter(n -> Specialization.reference(n.layer()) instanceof ReLU || Specialization.reference(n.layer()) instanceof Clip).map(Node::name).toList();
        String last = rectifiers.get(rectifiers.size() - 1);
        System.out.printf("%s on %s, input %s; start: %s%n", mode, args[1], Arrays.toString(shape), memory());
        switch (mode) {
            case "concurrency" -> concurrency(graph, x, last, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "gradcam" -> repeat(Integer.parseInt(args[2]), i -> GradCam.of(last).explain(graph, x).map());
            case "ig" -> repeat(Integer.parseInt(args[2]), i -> IntegratedGradients.of(32).explain(graph, x).map());
            case "cycle" -> {
                List<String> eight = rectifiers.subList(rectifiers.size() - 8, rectifiers.size());
                System.out.println("layers: " + eight);
                repeat(Integer.parseInt(args[2]), i -> GradCam.of(eight.get(i % 8)).explain(graph, x).map());
            }
            default -> throw new IllegalArgumentException("mode: concurrency, gradcam, ig or cycle");
        }
    }

    interface Call {
        INDArray run(int i);
    }

    private static void repeat(int calls, Call call) throws IOException {
        long start = System.nanoTime();
        double checksum = 0;
        for (int i = 0; i < calls; i++) {
            INDArray m = call.run(i);
            checksum += m.getDouble(0);
            m.close();
            if ((i + 1) % (calls / 4) == 0 || i == 0) {
                System.out.printf("call %6d  %s  %.1f ms/call%n", i + 1, memory(), (System.nanoTime() - start) / 1e6 / (i + 1));
            }
        }
        System.out.println("checksum " + checksum);
    }

    private static void concurrency(Graph graph, INDArray x, String layer, int threads, int repetitions) throws Exception {
        // Every method of the catalogue with its command-line defaults (IG 32 steps, 25 samples, batches of 8).
        Map<String, Explainer<?>> methods = new LinkedHashMap<>();
        for (Method m : Methods.ALL) {
            methods.put(m.name(), m.explainer(Parameters.DEFAULT.withLayer(layer)));
        }
        Map<String, float[]> alone = new LinkedHashMap<>();
        for (Map.Entry<String, Explainer<?>> m : methods.entrySet()) {
            try {
                alone.put(m.getKey(), flat(m.getValue().explain(graph, x).map()));
            } catch (IllegalArgumentException notApplicable) {
                System.out.println(m.getKey() + ": " + notApplicable.getMessage());
            }
        }
        List<String> names = new ArrayList<>(alone.keySet());
        System.out.printf("one thread done: %s; %d threads x %d repetitions of %s%n", memory(), threads, repetitions, names);
        AtomicInteger same = new AtomicInteger();
        AtomicInteger differ = new AtomicInteger();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            done.add(pool.submit(() -> {
                for (int r = 0; r < repetitions; r++) {
                    for (int i = 0; i < names.size(); i++) {
                        String name = names.get((i + offset) % names.size());
                        float[] got = flat(methods.get(name).explain(graph, x).map());
                        if (Arrays.equals(alone.get(name), got)) {
                            same.incrementAndGet();
                        } else {
                            differ.incrementAndGet();
                            System.out.println("DIFFERS: " + name);
                        }
                    }
                    if (offset == 0) {
                        System.out.printf("thread 0 repetition %d  %s%n", r + 1, memory());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("%d calls bit-identical to one thread, %d differ; %.0f s; %s%n", same.get(), differ.get(),
                (System.nanoTime() - start) / 1e9, memory());
    }

    private static float[] flat(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').reshape(a.length()).toFloatVector();
    }

    /** "rss N MB, peak M MB" from /proc/self/status. */
    static String memory() throws IOException {
        long rss = -1;
        long peak = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            } else if (line.startsWith("VmHWM:")) {
                peak = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return "rss " + rss + " MB, peak " + peak + " MB";
    }
}
