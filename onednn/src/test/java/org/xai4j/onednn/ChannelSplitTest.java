package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Graph;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.ResNet;

/**
 * Batch-1 plans split over two threads by channel blocks ({@link ChannelSplit}) or by rows
 * ({@link RowSplit}), run by the {@link Crew}, against the whole plan and the exact answer, in
 * guarded mode, from several threads at once, and the crew's own hand-over. The module's tests run with {@code OMP_NUM_THREADS=1}; these compile
 * their plans on a thread given two OpenMP threads, which is what makes a plan split.
 */
class ChannelSplitTest {
    private static final Pattern SPLIT = Pattern.compile("(\\d+) of (\\d+) steps split over 2 threads by (rows, then channel blocks|channel blocks|rows|images)");

    @AfterEach
    void reset() {
        System.clearProperty(ChannelSplit.PROPERTY);
        System.clearProperty(ChannelSplit.MAX_MACS_PROPERTY);
        System.clearProperty(Guards.PROPERTY);
        System.clearProperty(Winograd.PROPERTY);
        System.clearProperty(RowSplit.PROPERTY);
        System.clearProperty(MixedLayout.PROPERTY);
        Acceleration.setEnabled(true);
    }

    /**
     * MobileNetV2 (depthwise, ReLU6, residual sums onto 24-channel values) and ResNet-18 (pooling,
     * strided 1x1 shortcuts) at batch 1, each split both ways. By channel blocks every step but
     * the 16-channel one (at 16-channel blocks) splits, the classifier head by its output
     * features; by rows every step but global pooling (one row). By default MobileNetV2 splits by
     * rows ({@link RowSplit#preferred}) and ResNet-18 by channel blocks; told to, ResNet-18 splits
     * by rows up to layer2.0 and by channel blocks after it ({@link MixedLayout}).
     * Tolerance: 1e-4 of the largest logit against float64, the oracle tests'; against the whole
     * plan 1e-5: parts by channels sum the same terms with the same jit kernels, only blocked for
     * one thread instead of two (measured: equal bit for bit at AVX-512); parts by rows run
     * oneDNN's nhwc kernels, which sum in another order (measured: 1e-7 to 1e-6).
     */
    @Test
    void splitPlansMatchFloat64AndTheWholePlan() {
        System.setProperty(Winograd.PROPERTY, "false");
        SeededMobileNet mobile = SeededMobileNet.of(7, 42, 1);
        // Its one 16-channel value is a single block of nChw16c (whole), two of nChw8c (split).
        compare("MobileNetV2", mobile.graph(), mobile.in(), mobile.out(), mobile.x(), "auto", "53 of 54 steps split over 2 threads by rows");
        compare("MobileNetV2", mobile.graph(), mobile.in(), mobile.out(), mobile.x(), "channels",
                (ActivationLayout.HOST.block() == 16 ? 53 : 54) + " of 54 steps split over 2 threads by channel blocks");
        Graph resnet = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        String in = resnet.inputs().get(0).name();
        String out = resnet.outputs().get(0);
        compare("ResNet-18", resnet, in, out, mobile.x(), "auto", "23 of 23 steps split over 2 threads by channel blocks");
        compare("ResNet-18", resnet, in, out, mobile.x(), "rows", "22 of 23 steps split over 2 threads by rows");
        // By rows up to layer2.0, then by channel blocks (MixedLayout); the reorder between them is a
        // 24th step, split by channel blocks.
        System.setProperty(MixedLayout.PROPERTY, "layer2.0.relu_1");
        compare("ResNet-18", resnet, in, out, mobile.x(), "auto", "24 of 24 steps split over 2 threads by rows, then channel blocks");
    }

    /**
     * A batch of several images splits by images ({@link ImageSplit}) where the batch divides over
     * the threads and the convolutions average at most the bound over the whole batch: MobileNetV2
     * at batch 2 and 4 (every step), not at batch 3; ResNet-18 at batch 2 averages 182 million
     * multiply-adds and runs whole. Tolerances as above: a part runs the whole plan's kernels over
     * fewer images (measured: 1e-7 to 1e-6 from the whole plan).
     */
    @Test
    void batchesSplitByImages() {
        System.setProperty(Winograd.PROPERTY, "false");
        for (int batch : new int[] {2, 4}) {
            SeededMobileNet mobile = SeededMobileNet.of(7, 42, batch);
            compare("MobileNetV2", mobile.graph(), mobile.in(), mobile.out(), mobile.x(), "auto", "54 of 54 steps split over 2 threads by images");
        }
        SeededMobileNet three = SeededMobileNet.of(7, 42, 3);
        Crew.withOpenMpThreads(2, () -> three.graph().run(Map.of(three.in(), three.x()), List.of(three.out())));
        String plan = String.join("\n", three.graph().describePlans());
        Acceleration.release(three.graph());
        assertFalse(plan.contains("split"), plan);
        Graph resnet = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        INDArray two = Nd4j.zeros(DataType.FLOAT, 2, 3, 224, 224);
        Crew.withOpenMpThreads(2, () -> resnet.run(Map.of(resnet.inputs().get(0).name(), two), List.of(resnet.outputs().get(0))));
        plan = String.join("\n", resnet.describePlans());
        Acceleration.release(resnet);
        assertFalse(plan.contains("split"), plan);
    }

    /**
     * A plan compiled on a thread of one OpenMP thread (whole, single-threaded kernels) is not
     * reused by a thread of two, which compiles its own, split: the plan's key holds the count.
     */
    @Test
    void plansAreKeptApartByOpenMpThreads() {
        SeededMobileNet mobile = SeededMobileNet.of(7, 42, 1);
        Graph g = mobile.graph();
        for (int threads : new int[] {1, 2}) {
            Crew.withOpenMpThreads(threads, () -> g.run(Map.of(mobile.in(), mobile.x()), List.of(mobile.out())));
        }
        String plans = String.join("\n", g.describePlans());
        Acceleration.release(g);
        assertTrue(plans.contains("context=OpenMP threads 1]") && plans.contains("context=OpenMP threads 2]"), plans);
        assertTrue(plans.contains("steps split over 2 threads"), plans);
    }

    /** MobileNetV2's convolutions read and write more values than they hold weights, ResNet-18's fewer; the switch overrides. */
    @Test
    void rowsWhereActivationsOutweighWeights() {
        Graph resnet = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        SeededMobileNet mobile = SeededMobileNet.of(7, 42, 1);
        long[] image = {1, 3, 224, 224};
        assertTrue(RowSplit.preferred(mobile.graph().nodes(), mobile.in(), image));
        assertFalse(RowSplit.preferred(resnet.nodes(), resnet.inputs().get(0).name(), image));
        System.setProperty(RowSplit.PROPERTY, "rows");
        assertTrue(RowSplit.preferred(resnet.nodes(), resnet.inputs().get(0).name(), image));
        System.setProperty(RowSplit.PROPERTY, "channels");
        assertFalse(RowSplit.preferred(mobile.graph().nodes(), mobile.in(), image));
        System.setProperty(RowSplit.PROPERTY, "columns");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RowSplit.preferred(mobile.graph().nodes(), mobile.in(), image));
        assertEquals("-Dxai4j.onednn.split.by must be auto, rows or channels, got 'columns'", e.getMessage());
    }

    /**
     * Plans of large convolutions run whole: ResNet-18 averages 91 million multiply-adds per
     * convolution at 224 x 224 and splits, and would average 4 times as many at 448 x 448, above
     * the bound; MobileNetV2 averages 6 million ({@link ChannelSplit#MAX_MACS_PER_CONVOLUTION}).
     * With the bound set just below ResNet-18's average, its plan runs whole.
     */
    @Test
    void onlyPlansOfConvolutionsUpToTheBoundSplit() {
        Graph resnet = Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(7)));
        SeededMobileNet mobile = SeededMobileNet.of(7, 42, 1);
        String in = resnet.inputs().get(0).name();
        long resnetMacs = ChannelSplit.macsPerConvolution(resnet.nodes(), in, new long[] {1, 3, 224, 224});
        long largeMacs = ChannelSplit.macsPerConvolution(resnet.nodes(), in, new long[] {1, 3, 448, 448});
        long mobileMacs = ChannelSplit.macsPerConvolution(mobile.graph().nodes(), mobile.in(), new long[] {1, 3, 224, 224});
        System.out.printf("multiply-adds per convolution at batch 1: ResNet-18 %,d (448 x 448: %,d), MobileNetV2 %,d%n",
                resnetMacs, largeMacs, mobileMacs);
        assertTrue(mobileMacs < resnetMacs && resnetMacs <= ChannelSplit.MAX_MACS_PER_CONVOLUTION
                && largeMacs > ChannelSplit.MAX_MACS_PER_CONVOLUTION);
        assertTrue(plan(resnet).contains("split"));
        System.setProperty(ChannelSplit.MAX_MACS_PROPERTY, String.valueOf(resnetMacs - 1));
        String whole = plan(resnet);
        assertFalse(whole.contains("split"), whole);
    }

    /** The plans a two-threaded run of ResNet-18 at batch 1 compiled. */
    private static String plan(Graph resnet) {
        String in = resnet.inputs().get(0).name();
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 3, 224, 224);
        Crew.withOpenMpThreads(2, () -> resnet.run(Map.of(in, x), List.of(resnet.outputs().get(0))));
        String plan = String.join("\n", resnet.describePlans());
        Acceleration.release(resnet);
        return plan;
    }

    private static void compare(String name, Graph g, String in, String out, INDArray x, String by, String split) {
        INDArray exact = Float64Reference.run(g, in, out, x);
        System.setProperty(ChannelSplit.PROPERTY, "false");
        INDArray whole = Crew.withOpenMpThreads(2, () -> g.run(Map.of(in, x), List.of(out)).get(out));
        String wholePlan = String.join("\n", g.describePlans());
        Acceleration.release(g);
        System.setProperty(ChannelSplit.PROPERTY, "true");
        System.setProperty(RowSplit.PROPERTY, by);
        INDArray parts = Crew.withOpenMpThreads(2, () -> g.run(Map.of(in, x), List.of(out)).get(out));
        INDArray again = g.run(Map.of(in, x), List.of(out)).get(out); // the same plan, on a thread of one OpenMP thread
        String plan = String.join("\n", g.describePlans());
        Acceleration.release(g);
        System.clearProperty(RowSplit.PROPERTY);
        assertFalse(wholePlan.contains("split"), name + ": split though switched off\n" + wholePlan);
        Matcher m = SPLIT.matcher(plan);
        assertTrue(m.find(), name + ": no split reported\n" + plan);
        assertEquals(split, m.group(), plan);
        double scale = exact.amaxNumber().doubleValue();
        double toExact = exact.sub(parts.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
        double toWhole = whole.sub(parts).amaxNumber().doubleValue() / scale;
        System.out.printf("%s batch %d, %s: logits %.2e of the largest from float64, %.2e from the whole plan%n",
                name, x.size(0), m.group(), toExact, toWhole);
        assertTrue(toExact <= 1e-4, name + ": split plan against float64: " + toExact);
        assertTrue(toWhole <= 1e-5, name + ": split plan against the whole plan: " + toWhole);
        assertEquals(parts, again, name + ": the same plan gave another answer");
    }

    /**
     * Guarded mode runs the parts one after another, each checked to write only its own channels,
     * rows or images. It runs a chain ({@link Chains}) one thread's parts at a time, the last
     * thread's first in every other run: a chain that let a part read what another thread's part
     * writes later in it, or overwrite what one reads, gives another answer in one of the two
     * orders. Both runs must match the whole plan.
     */
    @Test
    void guardedSplitPlansMatchTheWholePlan() {
        System.setProperty(Winograd.PROPERTY, "false");
        for (String by : List.of("rows", "channels", "images")) {
            SeededMobileNet net = SeededMobileNet.of(7, 42, by.equals("images") ? 2 : 1);
            Graph g = net.graph();
            System.setProperty(ChannelSplit.PROPERTY, "false");
            System.clearProperty(Guards.PROPERTY);
            INDArray whole = g.run(Map.of(net.in(), net.x()), List.of(net.out())).get(net.out());
            Acceleration.release(g);
            System.setProperty(ChannelSplit.PROPERTY, "true");
            System.setProperty(RowSplit.PROPERTY, by.equals("images") ? "auto" : by);
            System.setProperty(Guards.PROPERTY, "true");
            for (int run = 0; run < 2; run++) {
                INDArray guarded = Crew.withOpenMpThreads(2, () -> g.run(Map.of(net.in(), net.x()), List.of(net.out())).get(net.out()));
                String plan = String.join("\n", g.describePlans());
                Matcher m = SPLIT.matcher(plan);
                assertTrue(m.find() && m.group(3).startsWith(by.substring(0, 4)), plan);
                assertTrue(plan.matches("(?s).*, [1-9][0-9]* chains of steps with no wait between them.*"), plan);
                double scale = whole.amaxNumber().doubleValue();
                assertTrue(whole.sub(guarded).amaxNumber().doubleValue() / scale <= 1e-5,
                        "guarded split plan by " + by + ", run " + run + ", against the whole plan");
            }
            Acceleration.release(g);
        }
    }

    /**
     * Four threads at once on one graph: each leases a plan of its own, one holds the crew and
     * the others run their parts themselves; every answer equals the one-thread answer bit for
     * bit (the same one-threaded kernels on the same input).
     */
    @Test
    void concurrentRunsAgree() throws Exception {
        System.setProperty(Winograd.PROPERTY, "false");
        SeededMobileNet net = SeededMobileNet.of(7, 42, 1);
        Graph g = net.graph();
        INDArray first = Crew.withOpenMpThreads(2, () -> g.run(Map.of(net.in(), net.x()), List.of(net.out())).get(net.out()));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<INDArray>> answers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Callable<INDArray> run = () -> {
                    INDArray y = null;
                    for (int i = 0; i < 10; i++) {
                        y = Crew.withOpenMpThreads(2, () -> g.run(Map.of(net.in(), net.x()), List.of(net.out())).get(net.out()));
                        assertEquals(first, y, "run " + i + " on " + Thread.currentThread().getName());
                    }
                    return y;
                };
                answers.add(pool.submit(run));
            }
            for (Future<INDArray> a : answers) {
                assertEquals(first, a.get());
            }
        } finally {
            pool.shutdownNow();
            Acceleration.release(g);
        }
    }

    /** A part that fails on a partner fails the caller's call, and the crew serves the next run. */
    @Test
    void aPartnersFailureReachesTheCaller() {
        Crew crew = Crew.of(2);
        int[] ran = new int[2];
        assertTrue(crew.tryHire());
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> crew.run(new Runnable[] {
                () -> ran[0]++, () -> {
                    throw new IllegalStateException("part 2 failed");
                }}));
            assertEquals("part 2 failed", e.getMessage());
            crew.run(new Runnable[] {() -> ran[0]++, () -> ran[1]++});
        } finally {
            crew.release();
        }
        assertEquals(2, ran[0]);
        assertEquals(1, ran[1]);
        assertSame(crew, Crew.of(2));
    }

    /** The guard against a part writing its neighbour's channels, on a write it must catch and one it must let pass. */
    @Test
    void aWriteOutsideAPartsChannelsIsCaught() {
        Guards guards = new Guards();
        OneDnnPlan.Buffer b = new OneDnnPlan.Buffer(1024, 0);
        try {
            Pointer.memset(new Dnnl.Address(b.address), 0, 1024);
            guards.confined(b, 256, 512, () -> Pointer.memset(new Dnnl.Address(b.address + 256), 7, 256), "inside");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> guards.confined(b, 256, 512,
                    () -> Pointer.memset(new Dnnl.Address(b.address + 500), 9, 20), "n7 part 1 of 2"));
            assertEquals("oneDNN wrote outside its part in n7 part 1 of 2: it owns bytes [256, 512) of a buffer of 1024"
                    + " and changed 8 bytes outside them, the first at 512 (guarded mode, -Dxai4j.onednn.guard=true)", e.getMessage());
        } finally {
            b.block.close();
            guards.close();
        }
    }

    @Test
    void aBadSwitchValueIsAOneLineError() {
        System.setProperty(ChannelSplit.PROPERTY, "2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ChannelSplit::requested);
        assertEquals("-Dxai4j.onednn.split must be true or false, got '2'", e.getMessage());
        System.setProperty(ChannelSplit.MAX_MACS_PROPERTY, "-5");
        e = assertThrows(IllegalArgumentException.class, ChannelSplit::maxMacs);
        assertEquals("-Dxai4j.onednn.split.maxMacs must be a count of multiply-adds (0 or more), got '-5'", e.getMessage());
    }
}
