package org.xai4j.benchmarks;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * Where a batch-1 forward pass spends its time, primitive by primitive in xai4j and node by node
 * in ONNX Runtime, on the same ONNX file: the raw material of the layer-by-layer comparisons in
 * the root README ("Speed") and onednn/README.md.
 *
 * <p>xai4j: {@code --warm} passes, then oneDNN's verbose log switched on for {@code --passes}
 * passes ({@code dnnl_set_verbose}, so the warm-up and the plan's compilation stay out of it).
 * oneDNN writes the log to standard output. ONNX Runtime: a session as the benchmarks open it (2
 * intra-op threads, all graph optimizations) with its profiler on, {@code --warm + --passes}
 * passes; the path of its JSON profile goes to standard error. {@code benchmarks/verbose/layers.py}
 * reads both and prints one row per convolution.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.xai4j.benchmarks.LayerProfile \
 *     [--model resnet50] [--warm 400] [--passes 40] > xai4j.log 2> ort.txt
 * python3 benchmarks/verbose/layers.py xai4j.log ONNX_RUNTIME_PROFILE.json 40
 * </pre>
 */
public final class LayerProfile {
    private LayerProfile() {}

    /** Runs both profiles; a bad option or model ends it with one line naming it (exit status 2). */
    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            System.err.println("LayerProfile: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0); // OpenMP's and ONNX Runtime's threads
    }

    static void run(String[] args) {
        String model = "resnet50";
        int warm = 400;
        int passes = 40;
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("option " + args[args.length - 1] + " needs a value");
        }
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--warm" -> warm = PairedForwardReport.Settings.between(args[i + 1], "--warm", 100_000);
                case "--passes" -> passes = PairedForwardReport.Settings.between(args[i + 1], "--passes", 100_000);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; accepted: --model, --warm, --passes");
            }
        }
        Path file = OnnxFiles.of(model);
        Graph graph = Models.build(file.toString());
        INDArray x = Models.input(1);
        for (int i = 0; i < warm; i++) {
            graph.predict(x);
        }
        System.err.println("xai4j: " + graph.describePlans().get(0).lines().findFirst().orElse(""));
        System.out.flush();
        dnnl.dnnl_set_verbose(1);
        for (int i = 0; i < passes; i++) {
            graph.predict(x);
        }
        dnnl.dnnl_set_verbose(0);
        // The benchmarks' session (OrtModel: 2 intra-op threads, all graph optimizations), profiled.
        String prefix = Path.of(System.getProperty("java.io.tmpdir"), "xai4j-ort-profile").toString();
        try (OrtModel ort = new OrtModel(file, 2, true, prefix)) {
            FloatBuffer rows = ort.batch(1).put(x.dup('c').data().asFloat());
            for (int i = 0; i < warm + passes; i++) {
                ort.logits(rows, 1);
            }
            System.err.println("ONNX Runtime profile: " + ort.endProfiling());
        }
    }
}
