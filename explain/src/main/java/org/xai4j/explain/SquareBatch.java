package org.xai4j.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Memory;
import org.xai4j.engine.MemoryBudget;

/**
 * One {@link ReceptiveFieldOcclusion} call's batches of squares through the local steps and the
 * rest, and their buffers, allocated once (sizes checked first) and reused by every batch of
 * {@code rows} squares: per value its batch of boxes, per step its crops (a Java array and the
 * native array its graph reads), per boundary value the pasted maps. The last batch repeats
 * the last square where it has fewer, so every graph always sees one shape.
 */
final class SquareBatch implements AutoCloseable {
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

    SquareBatch(ReceptiveField plan, int rows, Object like) {
        this.plan = plan;
        this.rows = rows;
        this.pastedSquare = new int[rows];
        long total = 0;
        for (ReceptiveField.Value v : plan.values().values()) {
            total += size(rows, v.C(), v.bh(), v.bw(), v.name());
        }
        for (ReceptiveField.Step step : plan.steps()) {
            for (Graph.Input in : step.graph().inputs()) {
                // Java crops, and the native copy a graph reads (none for a BoxSum step).
                total += (BoxSum.handles(step) ? 1 : 2) * size(rows, in.shape()[1], step.cropH(), step.cropW(), step.head().name());
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
                // A residual Add's step runs on the Java crops alone (BoxSum): no native copy.
                a[i] = BoxSum.handles(step) ? null : Crops.array(like, rows, C, step.cropH(), step.cropW());
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

    /**
     * One step on the batch: its inputs' crops as the squares changed them, its graph (or, for a
     * residual Add, {@link BoxSum}), its boxes.
     */
    private void run(ReceptiveField.Step step, Crops.Padded[] maps, Object[] crops, INDArray[] arrays, int[] squares) {
        List<Graph.Input> inputs = step.graph().inputs();
        boolean sum = BoxSum.handles(step);
        Map<String, INDArray> feeds = new HashMap<>();
        for (int a = 0; a < inputs.size(); a++) {
            ReceptiveField.Value u = plan.values().get(inputs.get(a).name());
            int per = u.C() * step.cropH() * step.cropW();
            for (int i = 0; i < rows; i++) {
                int k = squares[i];
                Crops.crop(u, maps[a], new Crops.Box(boxes.get(u.name()), i * u.C() * u.bh() * u.bw()), k,
                        step.cropTop(k), step.cropLeft(k), step.cropH(), step.cropW(), crops[a], i * per);
            }
            if (!sum) {
                Crops.write(crops[a], arrays[a]);
                feeds.put(u.name(), arrays[a]);
            }
        }
        if (sum) {
            ReceptiveField.Value head = step.head();
            BoxSum.run(step, crops, boxes, rows * head.C() * head.bh() * head.bw());
            return;
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
