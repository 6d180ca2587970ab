package org.xai4j.explain;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * Occlusion sensitivity with the same numbers as {@link Occlusion}, faster: a hidden square
 * changes only the activations in its receptive-field image, so the early layers recompute just
 * that region ({@link ReceptiveField}: a box per square, cut from the clean activations with the
 * halo each layer's window needs, pasted back), and the layers where the region has grown over
 * most of the map run in full on the pasted maps. The clean pass's activations are computed
 * once. The squares go through both parts {@code batchSize} at a time, the local nodes as
 * {@link ReceptiveField.Step}s (small graphs of one shape) and the rest as one graph with one
 * input where the cut allows, so that an accelerator compiles each once and reuses it.
 * <pre>
 *   local node n, square k:  y_n[box_k] = op_n( crop of (clean inputs with their boxes pasted), valid padding )
 *   rest:                    y_c(x_k) = rest( clean boundary values with box_k pasted )
 * </pre>
 * Crops are taken from the map padded with the op's own padding value (0 for convolutions, -inf
 * for max pooling), so the op runs without padding on every crop. A box also recomputes some
 * unchanged pixels; those come out as in the clean pass up to float rounding. Same formula,
 * shapes and result as {@link Occlusion}; checked against it in the tests.
 */
public final class ReceptiveFieldOcclusion implements Explainer<Occlusion.Result> {
    private final int patch;
    private final int stride;
    private final Fill fill;
    private final int batchSize;
    private final Progress progress;
    private final double localFraction;
    private Cached cached;

    public ReceptiveFieldOcclusion(int patch, int stride, Fill fill, int batchSize, Progress progress) {
        this(patch, stride, fill, batchSize, progress, ReceptiveField.LOCAL_FRACTION);
    }

    /** With nodes local while their box covers at most {@code localFraction} of their map (tests reach deeper with more). */
    ReceptiveFieldOcclusion(int patch, int stride, Fill fill, int batchSize, Progress progress, double localFraction) {
        Occlusion.Geometry.checkSettings(patch, stride, batchSize);
        this.localFraction = localFraction;
        this.patch = patch;
        this.stride = stride;
        this.fill = fill;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    @Override
    public Occlusion.Result explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "occlusion");
        Occlusion.Geometry g = Occlusion.Geometry.of(patch, stride, x);
        Head head = Head.of(graph);
        String input = ActivationGradient.inputOf(graph);
        ReceptiveField plan = planFor(graph, input, x, head, g);
        if (plan.steps().isEmpty() || plan.boundary().size() != 1) {
            // Nothing to recompute locally, or a rest of several inputs, which an accelerator's plans do not take.
            return new Occlusion(patch, stride, fill, batchSize, progress).explain(graph, x, target);
        }
        int rows = Math.min(ActivationGradient.rowsPerPass(graph, batchSize), g.cells());

        List<String> keep = new ArrayList<>(plan.values().keySet());
        keep.remove(input);
        keep.add(head.logits());
        List<INDArray> grids = new ArrayList<>();
        List<INDArray> maps = new ArrayList<>();
        Scores scores = null;
        SquareBatch batch = null;
        try {
            for (int row = 0; row < x.size(0); row++) {
                INDArray xn = NdArrays.row(x, row);
                Map<String, INDArray> clean = graph.run(Map.of(input, xn), keep);
                INDArray z = clean.get(head.logits());
                progress.advance(1);
                Target.Seed seed = target.row(row, (int) x.size(0)).seed(z, head);
                scores = scores == null ? seed.scores() : merge(scores, seed.scores());
                Target fixed = target.row(row, (int) x.size(0)).fixedAt(z, 0);
                Map<String, Object> cleanValues = new HashMap<>();
                cleanValues.put(input, Crops.values(xn));
                for (String v : plan.values().keySet()) {
                    if (!v.equals(input)) {
                        cleanValues.put(v, Crops.values(clean.get(v)));
                    }
                }
                NdArrays.close(clean.values().toArray(INDArray[]::new));
                Object hidden = Crops.values(fill.replacementFor(xn).castTo(xn.dataType()));
                batch = batch == null ? new SquareBatch(plan, rows, cleanValues.get(input)) : batch;
                batch.start(cleanValues, hidden);
                double value = seed.scores().valueOf(0);
                double[] drops = new double[g.cells()];
                for (int start = 0; start < g.cells(); start += rows) {
                    int b = Math.min(rows, g.cells() - start);
                    double[] s = batch.scores(plan, head, fixed, start, g.cells());
                    for (int i = 0; i < b; i++) {
                        drops[start + i] = value - s[i];
                    }
                    progress.advance(b);
                }
                grids.add(NdArrays.create(drops, new long[] {1, g.rows(), g.cols()}, x.dataType()));
                maps.add(NdArrays.create(g.perPixel(drops), new long[] {1, g.H(), g.W()}, x.dataType()));
                NdArrays.close(xn == x ? null : xn);
            }
        } finally {
            if (batch != null) {
                batch.close();
            }
        }
        return new Occlusion.Result(NdArrays.stack(maps), NdArrays.stack(grids), scores);
    }

    /**
     * The plan of the last call when it was for this graph and input size, else a new one: its
     * graphs are what the accelerator's compiled plans are kept for, so a second call on the same
     * model compiles nothing.
     */
    private ReceptiveField planFor(Graph graph, String input, INDArray x, Head head, Occlusion.Geometry g) {
        synchronized (this) {
            if (cached != null && cached.graph().get() == graph && cached.geometry().equals(g)) {
                return cached.plan();
            }
        }
        List<ReceptiveField.Box> squares = new ArrayList<>();
        for (int k = 0; k < g.cells(); k++) {
            squares.add(new ReceptiveField.Box(g.top(k), g.top(k) + patch, g.left(k), g.left(k) + patch));
        }
        long[] rowShape = x.shape().clone();
        rowShape[0] = 1;
        ReceptiveField plan = ReceptiveField.of(graph, input, rowShape, head.logits(), squares, localFraction);
        synchronized (this) {
            cached = new Cached(new WeakReference<>(graph), g, plan);
        }
        return plan;
    }

    /** A plan and what it was made for (the graph weakly: the plan holds its layers, not the graph). */
    private record Cached(WeakReference<Graph> graph, Occlusion.Geometry geometry, ReceptiveField plan) {}

    private static Scores merge(Scores a, Scores b) {
        int[] classes = java.util.Arrays.copyOf(a.classes(), a.classes().length + 1);
        classes[a.classes().length] = b.classOf(0);
        double[] values = java.util.Arrays.copyOf(a.values(), a.values().length + 1);
        values[a.values().length] = b.valueOf(0);
        return new Scores(a.logitNode(), a.note(), a.kind(), classes, values);
    }
}
