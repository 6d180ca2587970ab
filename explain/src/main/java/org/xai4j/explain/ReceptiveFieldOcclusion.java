package org.xai4j.explain;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Memory;
import org.xai4j.engine.MemoryBudget;

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
        Batch batch = null;
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
                batch = batch == null ? new Batch(plan, rows, cleanValues.get(input)) : batch;
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

    /**
     * The buffers of one call, allocated once (sizes checked first) and reused by every batch of
     * {@code rows} squares: per value its batch of boxes, per step its crops (a Java array and the
     * native array its graph reads), per boundary value the pasted maps. The last batch repeats
     * the last square where it has fewer, so every graph always sees one shape.
     */
    private static final class Batch implements AutoCloseable {
        private final int rows;
        private final Map<String, Object> boxes = new HashMap<>();
        private final List<Object[]> crops = new ArrayList<>();
        private final List<INDArray[]> cropArrays = new ArrayList<>();
        /** Per step and input: the margins {top, left, bottom, right} its crops reach beyond the map. */
        private final List<int[][]> margins = new ArrayList<>();
        /** Per step and input: the clean map with those margins, for the current row. */
        private final List<Crops.Padded[]> padded = new ArrayList<>();
        private final ReceptiveField plan;
        private final Map<String, Object> pasted = new HashMap<>();
        private final Map<String, INDArray> pastedArrays = new HashMap<>();
        /** The square whose box each row of the pasted maps holds (-1: none, the clean map). */
        private final int[] pastedSquare;
        private Map<String, Object> clean;
        private Crops.Padded hidden;

        Batch(ReceptiveField plan, int rows, Object like) {
            this.plan = plan;
            this.rows = rows;
            this.pastedSquare = new int[rows];
            long total = 0;
            for (ReceptiveField.Value v : plan.values().values()) {
                total += size(rows, v.C(), v.bh(), v.bw(), v.name());
            }
            for (ReceptiveField.Step step : plan.steps()) {
                for (Graph.Input in : step.graph().inputs()) {
                    total += 2 * size(rows, in.shape()[1], step.cropH(), step.cropW(), step.head().name());
                    ReceptiveField.Value u = plan.values().get(in.name());
                    total += size(1, u.C(), u.h() + step.cropH(), u.w() + step.cropW(), u.name());
                }
            }
            for (String name : plan.boundary()) {
                ReceptiveField.Value v = plan.values().get(name);
                total += 2 * size(rows, v.C(), v.h(), v.w(), name);
            }
            MemoryBudget.checkArray("batchSize " + rows + ": the receptive-field occlusion's buffers", new long[] {total},
                    like instanceof double[] ? 8 : 4);
            for (ReceptiveField.Value v : plan.values().values()) {
                boxes.put(v.name(), Crops.newInstance(like, rows * v.C() * v.bh() * v.bw()));
            }
            for (ReceptiveField.Step step : plan.steps()) {
                List<Graph.Input> inputs = step.graph().inputs();
                Object[] c = new Object[inputs.size()];
                INDArray[] a = new INDArray[inputs.size()];
                for (int i = 0; i < c.length; i++) {
                    long C = inputs.get(i).shape()[1];
                    c[i] = Crops.newInstance(like, (int) (rows * C * step.cropH() * step.cropW()));
                    a[i] = Crops.array(like, rows, C, step.cropH(), step.cropW());
                }
                crops.add(c);
                cropArrays.add(a);
                margins.add(margins(plan, step));
                padded.add(new Crops.Padded[inputs.size()]);
            }
            for (String name : plan.boundary()) {
                ReceptiveField.Value v = plan.values().get(name);
                pasted.put(name, Crops.newInstance(like, rows * v.C() * v.h() * v.w()));
                pastedArrays.put(name, Crops.array(like, rows, v.C(), v.h(), v.w()));
            }
        }

        /** Values of one buffer, checked to fit a Java array. */
        private static long size(int rows, long C, long h, long w, String value) {
            long n = rows * C * h * w;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("batchSize " + rows + ": a batch of " + value + "'s regions would hold " + n
                        + " values, more than a Java array takes; use a smaller batch size");
            }
            return n;
        }

        /** How far the crops of {@code step}'s inputs reach beyond the map, per input: {top, left, bottom, right}. */
        private static int[][] margins(ReceptiveField plan, ReceptiveField.Step step) {
            List<Graph.Input> inputs = step.graph().inputs();
            int[][] m = new int[inputs.size()][4];
            for (int a = 0; a < m.length; a++) {
                ReceptiveField.Value u = plan.values().get(inputs.get(a).name());
                for (int k = 0; k < u.top().length; k++) {
                    m[a][0] = Math.max(m[a][0], -step.cropTop(k));
                    m[a][1] = Math.max(m[a][1], -step.cropLeft(k));
                    m[a][2] = Math.max(m[a][2], step.cropTop(k) + step.cropH() - u.h());
                    m[a][3] = Math.max(m[a][3], step.cropLeft(k) + step.cropW() - u.w());
                }
            }
            return m;
        }

        /** A new input row: its clean values and its filled input; every pasted map starts clean. */
        void start(Map<String, Object> clean, Object hidden) {
            this.clean = clean;
            ReceptiveField.Value in = plan.values().values().iterator().next();
            this.hidden = Crops.Padded.of(in, hidden, 0, 0, 0, 0, 0);
            for (int s = 0; s < plan.steps().size(); s++) {
                ReceptiveField.Step step = plan.steps().get(s);
                for (int a = 0; a < padded.get(s).length; a++) {
                    ReceptiveField.Value u = plan.values().get(step.graph().inputs().get(a).name());
                    int[] m = margins.get(s)[a];
                    padded.get(s)[a] = Crops.Padded.of(u, clean.get(u.name()), m[0], m[1], m[2], m[3], step.padValue());
                }
            }
            java.util.Arrays.fill(pastedSquare, -1);
            pasted.forEach((name, maps) -> {
                int size = java.lang.reflect.Array.getLength(clean.get(name));
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(clean.get(name), 0, maps, i * size, size);
                }
            });
        }

        /** The scores of squares {@code start .. start + rows - 1} (the last of {@code cells} where there are fewer). */
        double[] scores(ReceptiveField plan, Head head, Target target, int start, int cells) {
            int[] squares = new int[rows];
            for (int i = 0; i < rows; i++) {
                squares[i] = Math.min(start + i, cells - 1);
            }
            String input = plan.values().keySet().iterator().next();
            ReceptiveField.Value in = plan.values().get(input);
            // The input's box is the square itself: every value in it is the fill.
            for (int i = 0; i < rows; i++) {
                int k = squares[i];
                Crops.crop(in, hidden, null, k, in.top()[k], in.left()[k], in.bh(), in.bw(), boxes.get(input),
                        i * in.C() * in.bh() * in.bw());
            }
            for (int s = 0; s < plan.steps().size(); s++) {
                run(plan.steps().get(s), padded.get(s), crops.get(s), cropArrays.get(s), squares);
            }
            Map<String, INDArray> feeds = new HashMap<>();
            for (String name : plan.boundary()) {
                ReceptiveField.Value v = plan.values().get(name);
                int size = v.C() * v.h() * v.w();
                for (int i = 0; i < rows; i++) {
                    Crops.paste(v, clean.get(name), pastedSquare[i], new Crops.Box(boxes.get(name), i * v.C() * v.bh() * v.bw()),
                            squares[i], pasted.get(name), i * size);
                }
                Crops.write(pasted.get(name), pastedArrays.get(name));
                feeds.put(name, pastedArrays.get(name));
            }
            System.arraycopy(squares, 0, pastedSquare, 0, rows);
            INDArray z = plan.rest().run(feeds, List.of(head.logits())).get(head.logits());
            double[] s = target.seed(z, head).scores().values();
            NdArrays.close(z);
            return s;
        }

        /** One step on the batch: its inputs' crops as the squares changed them, its graph, its boxes. */
        private void run(ReceptiveField.Step step, Crops.Padded[] maps, Object[] crops, INDArray[] arrays, int[] squares) {
            List<Graph.Input> inputs = step.graph().inputs();
            Map<String, INDArray> feeds = new HashMap<>();
            for (int a = 0; a < inputs.size(); a++) {
                ReceptiveField.Value u = plan.values().get(inputs.get(a).name());
                int per = u.C() * step.cropH() * step.cropW();
                for (int i = 0; i < rows; i++) {
                    int k = squares[i];
                    Crops.crop(u, maps[a], new Crops.Box(boxes.get(u.name()), i * u.C() * u.bh() * u.bw()), k,
                            step.cropTop(k), step.cropLeft(k), step.cropH(), step.cropW(), crops[a], i * per);
                }
                Crops.write(crops[a], arrays[a]);
                feeds.put(u.name(), arrays[a]);
            }
            Map<String, INDArray> out = step.graph().run(feeds, step.graph().outputs());
            out.forEach((name, y) -> {
                Crops.read(y, boxes.get(name));
                if (java.util.Arrays.stream(arrays).noneMatch(f -> NdArrays.sameBuffer(f, y))) {
                    Memory.recycle(y);
                }
            });
        }

        @Override
        public void close() {
            cropArrays.forEach(NdArrays::close);
            NdArrays.close(pastedArrays.values().toArray(INDArray[]::new));
        }
    }

    private static Scores merge(Scores a, Scores b) {
        int[] classes = java.util.Arrays.copyOf(a.classes(), a.classes().length + 1);
        classes[a.classes().length] = b.classOf(0);
        double[] values = java.util.Arrays.copyOf(a.values(), a.values().length + 1);
        values[a.values().length] = b.valueOf(0);
        return new Scores(a.logitNode(), a.note(), a.kind(), classes, values);
    }
}
