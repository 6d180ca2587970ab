package org.xai4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
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
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;

/**
 * One 3x3 convolution, ours beside ND4J's raw conv2d op on the same arrays: the engine's
 * overhead per layer is the difference. ANCHORS.md: 3.3 ms for 1x64x56x56 with oneDNN.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class RawNd4jBaseline {

    @Param({"64"})
    public int channels;

    @Param({"56"})
    public int size;

    @Param({"1"})
    public int batch;

    private INDArray x;
    private INDArray w;
    private INDArray dy;
    private Conv2d conv;

    @Setup
    public void setup() {
        Nd4j.getRandom().setSeed(Models.SEED);
        x = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
        w = Nd4j.randn(DataType.FLOAT, channels, channels, 3, 3).muli(0.05);
        dy = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
        conv = new Conv2d(w, null, ConvSpec.DEFAULT.withPadding(1));
    }

    @Benchmark
    public INDArray rawConv2d() {
        // iArgs: kH, kW, sH, sW, pH, pW, dH, dW, sameMode, dataFormat (0 = NCHW), weightFormat (1 = OIYX)
        DynamicCustomOp op = DynamicCustomOp.builder("conv2d")
                .addInputs(x, w)
                .addIntegerArguments(3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1)
                .build();
        return Nd4j.exec(op)[0];
    }

    @Benchmark
    public INDArray oursConv2d() {
        return conv.forward(x).y();
    }

    @Benchmark
    public INDArray oursConv2dInputGradient() {
        Layer.Forward<?> f = conv.forward(x);
        return backward(conv, f.cache()).dx()[0];
    }

    @SuppressWarnings("unchecked")
    private <C> Layer.Backward backward(Layer<C> layer, Object cache) {
        return layer.backward((C) cache, dy, Need.INPUT);
    }
}
