package org.xai4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
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
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.train.Sgd;
import org.xai4j.train.SmallResNet;
import org.xai4j.train.Trainer;
import org.xai4j.train.TrainingOptions;

/**
 * One training step of the bundled small ResNet ({@link SmallResNet}, 64x64 RGB, 6 classes,
 * 78k parameters): forward, cross-entropy, backward to every parameter, running statistics, SGD
 * with momentum. Divide the batch by the time for images per second. {@code kernels} is the raw
 * ND4J baseline: the same convolutions' forward ({@code conv2d}) and backward ({@code conv2d_bp},
 * dx and dW) alone, called as the layer calls them; the rest of a step is the other layers, the
 * loss, the optimizer and the engine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 4)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dxai4j.gc.interval.seconds=10"})
public class TrainingBenchmark {

    @Param({"32", "64"})
    public int batch;

    private Trainer trainer;
    private INDArray x;
    private int[] labels;
    private final List<INDArray[]> convs = new ArrayList<>();
    private final List<int[]> convArgs = new ArrayList<>();

    @Setup
    public void setup() {
        Graph model = SmallResNet.build(1, 64, 6);
        trainer = new Trainer(model, TrainingOptions.DEFAULT.withBatchSize(batch).withOptimizer(new Sgd(0.9, 5e-4)));
        Nd4j.getRandom().setSeed(1);
        x = Nd4j.rand(DataType.FLOAT, batch, 3, 64, 64).subi(0.5).muli(2);
        labels = new Random(2).ints(batch, 0, 6).toArray();
        // The convolutions' inputs, weights and output gradients at this batch, from one recorded pass.
        var shapes = model.shapes(java.util.Map.of("input", x.shape()));
        for (Node n : model.nodes()) {
            if (n.layer() instanceof Conv2d c) {
                long[] in = shapes.get(n.inputs().get(0)), out = shapes.get(n.name());
                INDArray xi = Nd4j.rand(DataType.FLOAT, in), dy = Nd4j.rand(DataType.FLOAT, out);
                convs.add(new INDArray[] {xi, c.weight(), Nd4j.create(DataType.FLOAT, out), dy, xi.like(), c.weight().like()});
                convArgs.add(new int[] {(int) c.weight().size(2), c.spec().strideH(), c.plan((int) in[2], (int) in[3]).padH()});
            }
        }
    }

    @Benchmark
    public Trainer.Step step() {
        return trainer.step(x, labels, 0.01);
    }

    @Benchmark
    public INDArray kernels() {
        for (int i = 0; i < convs.size(); i++) {
            INDArray[] a = convs.get(i);
            int[] k = convArgs.get(i);
            run("conv2d", new INDArray[] {a[0], a[1]}, new INDArray[] {a[2]}, k);
            run("conv2d_bp", new INDArray[] {a[0], a[1], a[3]}, new INDArray[] {a[4], a[5]}, k);
        }
        return convs.get(0)[5];
    }

    private static void run(String op, INDArray[] in, INDArray[] out, int[] k) {
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(in);
            context.setOutputArrays(out);
            context.setIArguments(k[0], k[0], k[1], k[1], k[2], k[2], 1, 1, 0, 0, 1);
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder(op).build(), context);
        } finally {
            try {
                context.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
