package org.xai4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.train.Adam;
import org.xai4j.train.Optimizer;
import org.xai4j.train.Schedule;
import org.xai4j.train.Sgd;
import org.xai4j.train.SmallResNet;
import org.xai4j.train.Trainer;
import org.xai4j.train.TrainingOptions;
import org.xai4j.train.TrainingProgress;
import org.xai4j.train.shapes.Mark;
import org.xai4j.train.shapes.Shapes;
import org.xai4j.train.shapes.ShapesSource;

/**
 * Trains the small ResNet on the shapes set and prints each epoch: loss, training and held-out
 * accuracy, wall time, images per second, and the process's CPU time (on a shared machine the
 * CPU seconds say what 2 idle cores would take; wall time says what this run took).
 *
 * <p>Usage: {@code TrainingReport [images=8000] [epochs=15] [batch=32] [optimizer=sgd|adam]
 * [lr=0.05] [width=16]}; held-out: 1000 images of another seed, no mark.
 */
public final class TrainingReport {
    private TrainingReport() {}

    public static void main(String[] args) {
        org.xai4j.engine.Memory.setDefaultCollectionInterval(java.time.Duration.ofSeconds(10)); // the command line's policy
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 8000;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        boolean adam = args.length > 3 && args[3].equals("adam");
        double lr = args.length > 4 ? Double.parseDouble(args[4]) : 0.05;
        int width = args.length > 5 ? Integer.parseInt(args[5]) : 16;
        Optimizer optimizer = adam ? Adam.of(5e-4) : new Sgd(0.9, 5e-4);
        Graph model = SmallResNet.build(1, 64, 6, new int[] {width, 2 * width, 4 * width}, new int[] {1, 1, 1});
        ShapesSource train = new ShapesSource(Shapes.of(1, Mark.NONE), images, Preprocess.TORCHVISION).inMemory();
        ShapesSource heldOut = new ShapesSource(Shapes.of(2, Mark.NONE), 1000, Preprocess.TORCHVISION).inMemory();
        TrainingOptions options = TrainingOptions.DEFAULT.withEpochs(epochs).withBatchSize(batch).withOptimizer(optimizer)
                .withSchedule(Schedule.cosine(lr, 50));
        System.out.printf(Locale.ROOT, "small ResNet %d/%d/%d, %d images x %d epochs, batch %d, %s, cosine from %s%n", width,
                2 * width, 4 * width, images, epochs, batch, optimizer.describe(), lr);
        long cpu0 = cpu(), wall0 = System.nanoTime();
        Trainer.fit(model, train, heldOut, options, new TrainingProgress() {
            @Override
            public void epoch(EpochReport r) {
                System.out.printf(Locale.ROOT, "epoch %2d  loss %.4f  train %.3f  held-out %.3f  %5.1f s  %6.1f img/s  cpu %6.1f s"
                        + "  wall %6.1f s%n", r.epoch(), r.loss(), r.trainAccuracy(), r.heldOutAccuracy(), r.seconds(),
                        r.examplesPerSecond(), (cpu() - cpu0) / 1e9, (System.nanoTime() - wall0) / 1e9);
            }
        });
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
