package org.xai4j.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

    public static void main(String[] args) throws Exception {
        String model = "resnet50";
        int warm = 400;
        int passes = 40;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--warm" -> warm = count(args[i + 1], "--warm");
                case "--passes" -> passes = count(args[i + 1], "--passes");
                default -> fail("unknown option " + args[i] + "; accepted: --model, --warm, --passes");
            }
        }
        if (args.length % 2 != 0) {
            fail("option " + args[args.length - 1] + " needs a value");
        }
        Path file = OnnxFiles.of(model);
        Graph graph = Models.build(file.toString());
        Nd4j.getRandom().setSeed(Models.SEED);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);
        for (int i = 0; i < warm; i++) {
            graph.predict(x);
        }
        System.err.println("xai4j: " + String.join("\n", graph.describePlans()).lines().findFirst().orElse(""));
        System.out.flush();
        dnnl.dnnl_set_verbose(1);
        for (int i = 0; i < passes; i++) {
            graph.predict(x);
        }
        dnnl.dnnl_set_verbose(0);
        System.err.println("ONNX Runtime profile: " + onnxRuntime(file, x, warm + passes));
        System.exit(0); // OpenMP's and ONNX Runtime's threads
    }

    /** Runs {@code runs} passes of {@code file} in a profiling session; the profile's path. */
    static String onnxRuntime(Path file, INDArray x, int runs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.enableProfiling(Path.of(System.getProperty("java.io.tmpdir"), "xai4j-ort-profile").toString());
            try (OrtSession session = env.createSession(file.toString(), options)) {
                String input = session.getInputNames().iterator().next();
                FloatBuffer rows = ByteBuffer.allocateDirect(Math.toIntExact(x.length() * Float.BYTES))
                        .order(ByteOrder.nativeOrder()).asFloatBuffer().put(x.dup('c').data().asFloat());
                rows.rewind();
                for (int i = 0; i < runs; i++) {
                    try (OnnxTensor t = OnnxTensor.createTensor(env, rows, x.shape());
                         OrtSession.Result ignored = session.run(Map.of(input, t))) {
                        // the profile records each node's time
                    }
                }
                return session.endProfiling();
            }
        }
    }

    private static int count(String v, String option) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1 && n <= 100_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        return fail(option + " must be a whole number from 1 to 100000, got '" + v + "'");
    }

    private static <T> T fail(String message) {
        System.err.println("LayerProfile: " + message);
        System.exit(2);
        return null;
    }
}
