package org.xai4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Acceleration;
import org.xai4j.engine.Gradients;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Node;
import org.xai4j.engine.Tape;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Softmax;
import org.xai4j.layers.Specialization;

/**
 * Trains a classifier graph with mini-batch gradient descent: shuffled batches, the softmax
 * cross-entropy of the logits, one backward for every parameter gradient, an optimizer step,
 * and batch norm in training mode with running statistics ({@link TrainingGraph}).
 *
 * <p>The loop, per step: the examples of the next {@code B} shuffled indices are written into
 * one input array; {@code graph.forward} records every node; the loss gives {@code dL/dz} at the
 * logits; {@code tape.backward(logits, dz, [], parameters = true)} returns every parameter
 * gradient; the running statistics take the batch statistics from the tape; the optimizer
 * updates each parameter array in place.
 *
 * <p>Every pass is recorded node by node, so no compiled plan of an {@code Accelerator} ever
 * holds a copy of weights that the next step changes. Held-out evaluation runs a fresh inference
 * graph (batch norms folded), which may be accelerated, and closes its plans when it is done.
 *
 * <p>Repeatable: given the same model, examples and options, on the same kind of machine with
 * the same thread count, two trainings give the same weights to the bit. The shuffling is drawn
 * from {@code java.util.Random(seed)}; the rest is ND4J's and oneDNN's kernels, whose
 * reductions split the work by thread count in a fixed way.
 */
public final class Trainer {
    private final TrainingGraph model;
    private final TrainingOptions options;
    private final SoftmaxCrossEntropy loss;
    private final String input;
    private final String logits;
    private final long[] exampleShape;
    private final DataType type;
    /** Per parameter (as keyed by {@link TrainingGraph#parameters()}): the optimizer's state. */
    private final Map<String, INDArray[]> slots = new LinkedHashMap<>();
    private final Random shuffle;
    private long step;

    /** The model's final weights and what each epoch did. */
    public record Result(Graph model, List<TrainingProgress.EpochReport> epochs) {}

    /**
     * Starts a training of {@code model} (a copy: the caller's graph is never changed). The model
     * has one input [N, ...] with fixed sizes after the batch axis, and its first output gives the
     * logits [N, K] (or is a Softmax over them, whose input is then trained on).
     */
    public Trainer(Graph model, TrainingOptions options) {
        if (model.inputs().size() != 1) {
            throw new IllegalArgumentException("training needs a graph with one input, this one has " + model.inputs().size());
        }
        Graph.Input in = model.inputs().get(0);
        long[] s = in.shape();
        if (s == null || s.length < 2) {
            throw new IllegalArgumentException("training needs the input's shape [N, ...]; '" + in.name() + "' declares "
                    + (s == null ? "none" : Arrays.toString(s)));
        }
        exampleShape = Arrays.copyOfRange(s, 1, s.length);
        for (long d : exampleShape) {
            if (d < 1) {
                throw new IllegalArgumentException("training needs fixed input sizes after the batch axis; '" + in.name()
                        + "' declares " + Arrays.toString(s));
            }
        }
        this.model = TrainingGraph.of(model);
        this.options = options;
        this.loss = new SoftmaxCrossEntropy(options.labelSmoothing());
        this.input = in.name();
        Node out = this.model.graph().node(model.outputs().get(0));
        this.logits = Specialization.reference(out.layer()) instanceof Softmax ? out.inputs().get(0) : out.name();
        this.type = this.model.parameters().values().stream().findFirst().map(INDArray::dataType).orElse(DataType.FLOAT);
        this.model.parameters().forEach((name, p) -> {
            INDArray[] state = new INDArray[options.optimizer().slots()];
            for (int i = 0; i < state.length; i++) {
                state[i] = Nd4j.zeros(p.dataType(), p.shape());
            }
            slots.put(name, state);
        });
        this.shuffle = new Random(options.seed());
    }

    /** Trains for {@code options.epochs()} epochs, measuring held-out accuracy after each ({@code heldOut} may be null). */
    public static Result fit(Graph model, Examples train, Examples heldOut, TrainingOptions options, TrainingProgress progress) {
        Trainer t = new Trainer(model, options);
        List<TrainingProgress.EpochReport> reports = new ArrayList<>();
        long perEpoch = t.stepsPerEpoch(train);
        progress.started(perEpoch * options.epochs(), perEpoch);
        for (int e = 1; e <= options.epochs(); e++) {
            reports.add(t.epoch(e, train, heldOut, progress));
        }
        return new Result(t.model(), List.copyOf(reports));
    }

    /** Optimizer steps per epoch: full batches of min(batch size, examples). */
    public long stepsPerEpoch(Examples train) {
        if (train.size() < 2) {
            throw new IllegalArgumentException("training needs at least 2 examples, got " + train.size());
        }
        return train.size() / Math.min(options.batchSize(), train.size());
    }

    /** One pass over {@code train} in a fresh shuffled order, then held-out accuracy. */
    public TrainingProgress.EpochReport epoch(int epoch, Examples train, Examples heldOut, TrainingProgress progress) {
        long perEpoch = stepsPerEpoch(train);
        long total = perEpoch * options.epochs();
        int B = Math.min(options.batchSize(), train.size());
        int[] order = permutation(train.size());
        INDArray x = Nd4j.create(type, batchShape(B));
        int[] labels = new int[B];
        double lossSum = 0;
        long correct = 0;
        double lr = 0;
        long start = System.nanoTime();
        for (long k = 0; k < perEpoch; k++) {
            int[] indices = Arrays.copyOfRange(order, (int) (k * B), (int) (k * B) + B);
            train.batch(indices, x, labels);
            lr = options.schedule().rate(step, total);
            Step s = step(x, labels, lr);
            lossSum += s.loss();
            correct += s.correct();
            progress.step(step, s.loss());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double heldOutAccuracy = heldOut == null ? Double.NaN : accuracy(heldOut);
        TrainingProgress.EpochReport r = new TrainingProgress.EpochReport(epoch, perEpoch, lossSum / perEpoch,
                (double) correct / (perEpoch * B), heldOutAccuracy, lr, seconds, perEpoch * B / seconds);
        progress.epoch(r);
        return r;
    }

    /** What one step measured: its batch's mean loss and how many of its examples the forward got right. */
    public record Step(double loss, long correct) {}

    /**
     * One optimizer step on the batch {@code x} [B, ...] with {@code labels} at learning rate
     * {@code lr}, for loops of one's own; {@link #epoch} is made of these.
     */
    public Step step(INDArray x, int[] labels, double lr) {
        step++;
        try (Tape tape = model.graph().forward(Map.of(input, x))) {
            INDArray z = tape.value(logits);
            SoftmaxCrossEntropy.Result r = loss.apply(z, labels);
            if (!Double.isFinite(r.loss())) {
                throw new IllegalStateException(String.format(Locale.ROOT, "training diverged: the loss is %s at step %d "
                        + "(learning rate %g); lower the learning rate", r.loss(), step, lr));
            }
            long correct = correct(z, labels);
            Gradients g = tape.backward(logits, r.dz(), List.of(), true);
            model.updateRunningStatistics(tape, options.batchNormMomentum());
            Map<DataBuffer, INDArray> used = new IdentityHashMap<>();
            for (Node n : model.graph().nodes()) {
                g.parameters(n.name()).forEach((name, grad) -> {
                    INDArray p = n.layer().parameters().get(name);
                    options.optimizer().step(p, grad, slots.get(n.name() + "/" + name), lr, step, p.rank() >= 2);
                    used.put(root(grad), grad);
                });
            }
            // The gradients are ours (Gradients hands them to the caller): back to the pool, once per buffer.
            used.values().forEach(Memory::recycle);
            return new Step(r.loss(), correct);
        }
    }

    /** The fraction of {@code data} the model as it stands classifies right (inference mode, batch norms folded). */
    public double accuracy(Examples data) {
        Graph g = Specialization.apply(BatchNormFolding.fold(model()));
        try {
            int B = Math.min(options.batchSize(), data.size());
            long correct = 0;
            for (int from = 0; from < data.size(); from += B) {
                int b = Math.min(B, data.size() - from);
                int[] indices = new int[b];
                for (int i = 0; i < b; i++) {
                    indices[i] = from + i;
                }
                INDArray x = Nd4j.create(type, batchShape(b));
                int[] labels = new int[b];
                data.batch(indices, x, labels);
                INDArray z = g.run(Map.of(input, x), List.of(logits)).get(logits);
                correct += correct(z, labels);
            }
            return data.size() == 0 ? Double.NaN : (double) correct / data.size();
        } finally {
            Acceleration.release(g); // its plans hold copies of weights that the next step changes
        }
    }

    /** The model as it stands, for inference (batch norms unfolded, running statistics): a snapshot. */
    public Graph model() {
        return model.inference();
    }

    /** The training state: graph in training mode, parameters and running statistics (live). */
    public TrainingGraph training() {
        return model;
    }

    private long[] batchShape(int b) {
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = b;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        return shape;
    }

    /** A Fisher-Yates shuffle of 0..n-1 from this training's generator. */
    private int[] permutation(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        for (int i = n - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Rows of z [N, K] whose largest logit is the label's (the first largest, on ties). */
    private static long correct(INDArray z, int[] labels) {
        double[][] v = SoftmaxCrossEntropy.rows(z);
        long correct = 0;
        for (int n = 0; n < v.length; n++) {
            int best = 0;
            for (int k = 1; k < v[n].length; k++) {
                if (v[n][k] > v[n][best]) {
                    best = k;
                }
            }
            correct += best == labels[n] ? 1 : 0;
        }
        return correct;
    }

    private static DataBuffer root(INDArray a) {
        DataBuffer b = a.data();
        while (b.originalDataBuffer() != null && b.originalDataBuffer() != b) {
            b = b.originalDataBuffer();
        }
        return b;
    }
}
