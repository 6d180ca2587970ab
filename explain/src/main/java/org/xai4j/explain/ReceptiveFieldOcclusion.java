package org.xai4j.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;

/**
 * Occlusion sensitivity with the same numbers as {@link Occlusion}, faster: a hidden square
 * changes only the activations in its receptive-field image, so the early layers recompute just
 * that region ({@link ReceptiveField}: a box per square, cut from the clean activations with the
 * halo each layer's window needs, pasted back), and the layers where the region has grown over
 * most of the map run in full on the pasted maps. The clean pass's activations are computed
 * once. The squares go through both parts {@code batchSize} at a time.
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

    public ReceptiveFieldOcclusion(int patch, int stride, Fill fill, int batchSize, Progress progress) {
        Occlusion.Geometry.checkSettings(patch, stride, batchSize);
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
        List<ReceptiveField.Box> squares = new ArrayList<>();
        for (int k = 0; k < g.cells(); k++) {
            squares.add(new ReceptiveField.Box(g.top(k), g.top(k) + patch, g.left(k), g.left(k) + patch));
        }
        long[] rowShape = x.shape().clone();
        rowShape[0] = 1;
        ReceptiveField plan = ReceptiveField.of(graph, input, rowShape, head.logits(), squares);
        int rows = ActivationGradient.rowsPerPass(graph, batchSize);

        List<String> keep = new ArrayList<>(plan.values().keySet());
        keep.remove(input);
        keep.add(head.logits());
        List<INDArray> grids = new ArrayList<>();
        List<INDArray> maps = new ArrayList<>();
        Scores scores = null;
        for (int row = 0; row < x.size(0); row++) {
            INDArray xn = NdArrays.row(x, row);
            Map<String, INDArray> clean = graph.run(Map.of(input, xn), keep);
            INDArray z = clean.get(head.logits());
            progress.advance(1);
            Target.Seed seed = target.row(row, (int) x.size(0)).seed(z, head);
            scores = scores == null ? seed.scores() : merge(scores, seed.scores());
            Target fixed = target.row(row, (int) x.size(0)).fixedAt(z, 0);
            Map<String, Object> cleanValues = new HashMap<>();
            cleanValues.put(input, Arrays.values(xn));
            for (String v : plan.values().keySet()) {
                if (!v.equals(input)) {
                    cleanValues.put(v, Arrays.values(clean.get(v)));
                }
            }
            NdArrays.close(clean.values().toArray(INDArray[]::new));
            Object hidden = Arrays.values(fill.replacementFor(xn).castTo(xn.dataType()));
            double value = seed.scores().valueOf(0);
            double[] drops = new double[g.cells()];
            for (int start = 0; start < g.cells(); start += rows) {
                int b = Math.min(rows, g.cells() - start);
                double[] s = scoreSquares(plan, head, input, cleanValues, hidden, fixed, start, b, x);
                for (int i = 0; i < b; i++) {
                    drops[start + i] = value - s[i];
                }
                progress.advance(b);
            }
            grids.add(NdArrays.create(drops, new long[] {1, g.rows(), g.cols()}, x.dataType()));
            maps.add(NdArrays.create(g.perPixel(drops), new long[] {1, g.H(), g.W()}, x.dataType()));
            NdArrays.close(xn == x ? null : xn);
        }
        return new Occlusion.Result(NdArrays.stack(maps), NdArrays.stack(grids), scores);
    }

    /** The scores of squares {@code start .. start + b - 1}: their boxes through the local nodes, then the rest in full. */
    private static double[] scoreSquares(ReceptiveField plan, Head head, String input, Map<String, Object> clean,
                                         Object hidden, Target target, int start, int b, INDArray x) {
        Map<String, Object> boxes = new HashMap<>();
        ReceptiveField.Value in = plan.values().get(input);
        // The input's box is the square itself: every value in it is the fill.
        Object inputBoxes = Arrays.newInstance(clean.get(input), b * in.C() * in.bh() * in.bw());
        for (int i = 0; i < b; i++) {
            crop(in, hidden, null, start + i, in.top()[start + i], in.left()[start + i], in.bh(), in.bw(), 0, inputBoxes,
                    i * in.C() * in.bh() * in.bw());
        }
        boxes.put(input, inputBoxes);
        for (ReceptiveField.Value v : plan.local()) {
            boxes.put(v.name(), computeBoxes(plan, v, clean, boxes, start, b, x));
        }
        Map<String, INDArray> feeds = new HashMap<>();
        for (String name : plan.boundary()) {
            ReceptiveField.Value v = plan.values().get(name);
            int size = v.C() * v.h() * v.w();
            Object full = Arrays.newInstance(clean.get(name), b * size);
            for (int i = 0; i < b; i++) {
                paste(v, clean.get(name), boxes.get(name), i * v.C() * v.bh() * v.bw(), start + i, full, i * size);
            }
            feeds.put(name, Arrays.array(full, new long[] {b, v.C(), v.h(), v.w()}));
        }
        INDArray z = plan.rest().run(feeds, List.of(head.logits())).get(head.logits());
        double[] s = target.seed(z, head).scores().values();
        NdArrays.close(z);
        NdArrays.close(feeds.values().toArray(INDArray[]::new));
        return s;
    }

    /** Node {@code v}'s boxes for squares {@code start ..}, one after the other: one call of its op on the batch of their crops. */
    private static Object computeBoxes(ReceptiveField plan, ReceptiveField.Value v, Map<String, Object> clean,
                                       Map<String, Object> boxes, int start, int b, INDArray x) {
        ReceptiveField.Window win = v.window();
        List<String> inputs = v.node().inputs();
        INDArray[] crops = new INDArray[inputs.size()];
        for (int a = 0; a < inputs.size(); a++) {
            ReceptiveField.Value u = plan.values().get(inputs.get(a));
            // A window op reads rows top*s - pad .. (top + bh - 1) s - pad + (k - 1) d: a crop of the padded map.
            int ch = win == null ? v.bh() : (v.bh() - 1) * win.sh() + (win.kh() - 1) * win.dh() + 1;
            int cw = win == null ? v.bw() : (v.bw() - 1) * win.sw() + (win.kw() - 1) * win.dw() + 1;
            int per = u.C() * ch * cw;
            Object batch = Arrays.newInstance(clean.get(u.name()), b * per);
            for (int i = 0; i < b; i++) {
                int k = start + i;
                int r0 = win == null ? v.top()[k] : v.top()[k] * win.sh() - win.padTop();
                int c0 = win == null ? v.left()[k] : v.left()[k] * win.sw() - win.padLeft();
                crop(u, clean.get(u.name()), new Box(boxes.get(u.name()), i * u.C() * u.bh() * u.bw()), k, r0, c0, ch, cw,
                        win == null ? 0 : win.padValue(), batch, i * per);
            }
            crops[a] = Arrays.array(batch, new long[] {b, u.C(), ch, cw});
        }
        Layer<?> op = win == null ? v.node().layer() : win.valid();
        Layer.Forward<?> f = op.forward(crops);
        if (f.cache() instanceof Layer.OwnedCache owned) {
            owned.close();
        }
        Object y = Arrays.values(f.y());
        NdArrays.close(crops);
        NdArrays.close(f.y());
        return y;
    }

    /** Where square {@code k}'s box of a value sits in a batch of boxes. */
    private record Box(Object data, int offset) {}

    /**
     * Rows {@code r0 .. r0 + ch - 1} and columns {@code c0 .. c0 + cw - 1} of value {@code u} as
     * square {@code k} changed it, into {@code out[offset ..]}: its box where the box is, the clean
     * map elsewhere, {@code pad} outside the map (box null: the clean map everywhere). Row by row,
     * as at most five runs of copies.
     */
    private static void crop(ReceptiveField.Value u, Object clean, Box box, int k, int r0, int c0, int ch, int cw, double pad,
                             Object out, int offset) {
        int bt = u.top()[k];
        int bl = u.left()[k];
        int mapLo = Math.max(c0, 0);
        int mapHi = Math.min(c0 + cw, u.w());
        int boxLo = Math.min(Math.max(bl, mapLo), mapHi);
        int boxHi = Math.max(Math.min(bl + u.bw(), mapHi), boxLo);
        for (int c = 0; c < u.C(); c++) {
            for (int i = 0; i < ch; i++) {
                int r = r0 + i;
                int o = offset + (c * ch + i) * cw;
                if (r < 0 || r >= u.h() || mapHi <= mapLo) {
                    Arrays.fill(out, o, o + cw, pad);
                    continue;
                }
                Arrays.fill(out, o, o + mapLo - c0, pad);
                int row = (c * u.h() + r) * u.w();
                if (box != null && r >= bt && r < bt + u.bh() && boxHi > boxLo) {
                    System.arraycopy(clean, row + mapLo, out, o + mapLo - c0, boxLo - mapLo);
                    System.arraycopy(box.data(), box.offset() + (c * u.bh() + r - bt) * u.bw() + boxLo - bl, out, o + boxLo - c0, boxHi - boxLo);
                    System.arraycopy(clean, row + boxHi, out, o + boxHi - c0, mapHi - boxHi);
                } else {
                    System.arraycopy(clean, row + mapLo, out, o + mapLo - c0, mapHi - mapLo);
                }
                Arrays.fill(out, o + mapHi - c0, o + cw, pad);
            }
        }
    }

    /** The clean map of {@code v} with square {@code k}'s box (at {@code boxes[at ..]}) pasted, at {@code out[offset ..]}. */
    private static void paste(ReceptiveField.Value v, Object clean, Object boxes, int at, int k, Object out, int offset) {
        System.arraycopy(clean, 0, out, offset, v.C() * v.h() * v.w());
        int t = v.top()[k];
        int l = v.left()[k];
        for (int c = 0; c < v.C(); c++) {
            for (int i = 0; i < v.bh(); i++) {
                System.arraycopy(boxes, at + (c * v.bh() + i) * v.bw(), out, offset + (c * v.h() + t + i) * v.w() + l, v.bw());
            }
        }
    }

    /** Values kept as float[] for float32 inputs and double[] for float64 ones, so that copies are plain array copies. */
    static final class Arrays {
        private Arrays() {}

        static Object values(INDArray a) {
            INDArray d = a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
            return a.dataType() == DataType.DOUBLE ? d.data().asDouble() : d.castTo(DataType.FLOAT).data().asFloat();
        }

        static INDArray array(Object v, long[] shape) {
            return v instanceof double[] d ? Nd4j.create(d, shape, DataType.DOUBLE) : Nd4j.create((float[]) v, shape, 'c');
        }

        static Object newInstance(Object like, int n) {
            return like instanceof double[] ? new double[n] : new float[n];
        }

        static void fill(Object a, int from, int to, double v) {
            if (to <= from) {
                return;
            }
            if (a instanceof double[] d) {
                java.util.Arrays.fill(d, from, to, v);
            } else {
                java.util.Arrays.fill((float[]) a, from, to, (float) v);
            }
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
