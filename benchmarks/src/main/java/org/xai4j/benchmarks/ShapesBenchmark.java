package org.xai4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xai4j.train.shapes.Mark;
import org.xai4j.train.shapes.ShapeSample;
import org.xai4j.train.shapes.Shapes;
import org.xai4j.train.shapes.ShapesSpec;

/**
 * Generation speed of the shapes set on one thread: one sample (image, mask, box) and a float
 * batch of 64, each call a new index. There is no library to set beside it; the figure to hold
 * against is a training step, which must not wait for its batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class ShapesBenchmark {

    @Param({"64", "128"})
    public int size;

    @Param({"none", "agrees"})
    public String mark;

    private Shapes shapes;
    private int next;

    @Setup
    public void setup() {
        shapes = new Shapes(1, ShapesSpec.DEFAULT.withSize(size).withMark(Mark.valueOf(mark.toUpperCase(java.util.Locale.ROOT))));
    }

    @Benchmark
    public ShapeSample sample() {
        next = (next + 1) & 0xFFFFF;
        return shapes.sample(next);
    }

    @Benchmark
    public INDArray batch64() {
        int[] indices = new int[64];
        for (int b = 0; b < 64; b++) {
            next = (next + 1) & 0xFFFFF;
            indices[b] = next;
        }
        return shapes.pixels(indices);
    }
}
