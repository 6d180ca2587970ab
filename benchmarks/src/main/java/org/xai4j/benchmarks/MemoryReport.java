package org.xai4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Tape;

/**
 * Runs forward + backward-to-input passes in one JVM and prints resident memory as it goes:
 * off-heap memory must stay flat. Usage: {@code MemoryReport [passes=1000] [model=resnet18] [path=plan]}:
 * {@code plan} records for a backward to the input only (what saliency and IG do; compiled oneDNN
 * plans run the pass), {@code nodes} records every node and runs the engine node by node.
 */
public final class MemoryReport {
    private MemoryReport() {}

    public static void main(String[] args) throws IOException {
        org.xai4j.engine.Memory.setDefaultCollectionInterval(java.time.Duration.ofSeconds(10)); // the command line's policy
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        String model = args.length > 1 ? args[1] : "resnet18";
        boolean plan = !(args.length > 2 && args[2].equals("nodes"));
        Graph graph = Models.build(model);
        INDArray x = Models.input(1);
        String input = graph.inputs().get(0).name();
        String output = graph.outputs().get(0);
        INDArray seed = Nd4j.zeros(x.dataType(), 1, 1000);
        seed.putScalar(0, 7, 1.0);
        System.out.printf("%s, %d forward+backward passes, batch 1, %s%n", model, passes, plan ? "compiled plans" : "node by node");
        System.out.printf("pass %5d  rss %6d MB (before the first pass)%n", 0, rssMegabytes());
        long start = System.nanoTime();
        double checksum = 0;
        for (int i = 1; i <= passes; i++) {
            try (Tape tape = plan ? graph.forward(Map.of(input, x), List.of(input)) : graph.forward(x)) {
                INDArray g = tape.backward(output, seed, List.of(input)).get(input);
                checksum += g.getDouble(0);
                g.close();
            }
            if (i == 1 || i % 100 == 0) {
                System.out.printf("pass %5d  rss %6d MB  %.1f ms/pass%n", i, rssMegabytes(),
                        (System.nanoTime() - start) / 1e6 / i);
            }
        }
        System.out.println("checksum " + checksum);
    }

    static long rssMegabytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
