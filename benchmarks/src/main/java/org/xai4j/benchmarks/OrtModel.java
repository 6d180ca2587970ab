package org.xai4j.benchmarks;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * An ONNX file in ONNX Runtime's Java API, set up as the side-by-side benchmarks compare it:
 * {@code threads} intra-op threads, one inter-op thread, sequential execution, all graph
 * optimizations; its intra-op threads spin while waiting for work unless {@code spinning} is false
 * (spinning is ONNX Runtime's default; on a host whose cores other work shares, a spinning thread
 * takes time from the one it waits for, as OpenMP's do without a passive wait policy). Batches of input rows {@code [rows, C, H, W]} go in through one reused direct
 * buffer (ONNX Runtime reads a direct buffer in place); outputs come back as float arrays.
 */
final class OrtModel implements AutoCloseable {
    /** One output of a run: the values in C order and their shape. */
    record Output(float[] values, long[] shape) {}

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String input;
    private final String logits;
    private final long[] row;
    private FloatBuffer buffer;

    OrtModel(Path file, int threads, boolean spinning) {
        this(file, threads, spinning, null);
    }

    /** As above, with ONNX Runtime's profiler on when {@code profile} (a file name prefix) is not null. */
    OrtModel(Path file, int threads, boolean spinning, String profile) {
        try {
            options = new OrtSession.SessionOptions();
            if (profile != null) {
                options.enableProfiling(profile);
            }
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            session = env.createSession(file.toString(), options);
            Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
            input = in.getKey();
            long[] shape = ((TensorInfo) in.getValue().getInfo()).getShape();
            if (shape.length != 4 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1) {
                throw new IllegalArgumentException(file + ": input '" + input + "' has shape " + java.util.Arrays.toString(shape)
                        + "; the perturbation benchmarks take images [N, C, H, W] of fixed C, H, W");
            }
            row = new long[] {shape[1], shape[2], shape[3]};
            logits = session.getOutputNames().iterator().next();
        } catch (OrtException e) {
            throw new IllegalStateException(file + ": ONNX Runtime cannot load it (" + e.getMessage() + ")", e);
        }
    }

    /** The name of the first output, read as the logits (pre-softmax in every benchmark file). */
    String logits() {
        return logits;
    }

    /** The input shape of a batch of {@code rows}: [rows, C, H, W]. */
    long[] inputShape(int rows) {
        return new long[] {rows, row[0], row[1], row[2]};
    }

    /** Values in one input row, C * H * W. */
    int rowSize() {
        return (int) (row[0] * row[1] * row[2]);
    }

    /** The reused input buffer, cleared, with room for {@code rows} rows and its limit there. */
    FloatBuffer batch(int rows) {
        int n = rows * rowSize();
        if (buffer == null || buffer.capacity() < n) {
            buffer = ByteBuffer.allocateDirect(Math.multiplyExact(n, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        buffer.clear().limit(n);
        return buffer;
    }

    /** The logits {@code [rows * K]} of the rows in {@code batch}. */
    float[] logits(FloatBuffer batch, int rows) {
        return run(batch, rows, List.of(logits)).get(0).values();
    }

    /** The named outputs for the rows in {@code batch}, in the order asked. */
    List<Output> run(FloatBuffer batch, int rows, List<String> outputs) {
        batch.position(0).limit(rows * rowSize());
        long[] shape = inputShape(rows);
        try (OnnxTensor x = OnnxTensor.createTensor(env, batch, shape);
             OrtSession.Result result = session.run(Map.of(input, x), new LinkedHashSet<>(outputs))) {
            List<Output> values = new ArrayList<>();
            for (String name : outputs) {
                OnnxTensor y = (OnnxTensor) result.get(name).orElseThrow(() -> new IllegalStateException("no output " + name));
                FloatBuffer b = y.getFloatBuffer();
                float[] v = new float[b.remaining()];
                b.get(v);
                values.add(new Output(v, y.getInfo().getShape()));
            }
            return values;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + rows + " (" + e.getMessage() + ")", e);
        }
    }

    /** softmax(z)[c] of row {@code r} of logits {@code [rows * K]}, in double. */
    static double probability(float[] z, int K, int r, int c) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < K; k++) {
            max = Math.max(max, z[r * K + k]);
        }
        double sum = 0;
        for (int k = 0; k < K; k++) {
            sum += Math.exp(z[r * K + k] - max);
        }
        return Math.exp(z[r * K + c] - max) / sum;
    }

    /** Ends the profile of a session opened with one; the path of its JSON file. */
    String endProfiling() {
        try {
            return session.endProfiling();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot end its profile (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot close its session (" + e.getMessage() + ")", e);
        } finally {
            options.close();
        }
    }
}
