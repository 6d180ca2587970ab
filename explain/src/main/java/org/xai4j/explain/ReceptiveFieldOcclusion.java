package org.xai4j.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
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
            Map<String, double[]> cleanValues = new HashMap<>();
            cleanValues.put(input, NdArrays.doubles(xn));
            for (String v : plan.values().keySet()) {
                if (!v.equals(input)) {
                    cleanValues.put(v, NdArrays.doubles(clean.get(v)));
                }
            }
            NdArrays.close(clean.values().toArray(INDArray[]::new));
            double[] hidden = NdArrays.doubles(fill.replacementFor(xn));
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
    private static double[] scoreSquares(ReceptiveField plan, Head head, String input, Map<String, double[]> clean,
                                         double[] hidden, Target target, int start, int b, INDArray x) {
        Map<String, double[][]> boxes = new HashMap<>();
        ReceptiveField.Value in = plan.values().get(input);
        double[][] inputBoxes = new double[b][];
        for (int i = 0; i < b; i++) {
            // The input's box is the square itself: every value in it is the fill.
            inputBoxes[i] = crop(in, hidden, null, null, start + i, in.top()[start + i], in.left()[start + i], in.bh(), in.bw(), 0);
        }
        boxes.put(input, inputBoxes);
        for (ReceptiveField.Value v : plan.local()) {
            boxes.put(v.name(), computeBoxes(plan, v, clean, boxes, start, b, x));
        }
        Map<String, INDArray> feeds = new HashMap<>();
        for (String name : plan.boundary()) {
            ReceptiveField.Value v = plan.values().get(name);
            double[] full = new double[b * v.C() * v.h() * v.w()];
            for (int i = 0; i < b; i++) {
                paste(v, clean.get(name), boxes.get(name)[i], start + i, full, i * v.C() * v.h() * v.w());
            }
            feeds.put(name, NdArrays.create(full, new long[] {b, v.C(), v.h(), v.w()}, x.dataType()));
        }
        INDArray z = plan.rest().run(feeds, List.of(head.logits())).get(head.logits());
        double[] s = target.seed(z, head).scores().values();
        NdArrays.close(z);
        NdArrays.close(feeds.values().toArray(INDArray[]::new));
        return s;
    }

    /** Node {@code v}'s boxes for squares {@code start ..}: one call of its op on the batch of their crops. */
    private static double[][] computeBoxes(ReceptiveField plan, ReceptiveField.Value v, Map<String, double[]> clean,
                                           Map<String, double[][]> boxes, int start, int b, INDArray x) {
        ReceptiveField.Window win = v.window();
        List<String> inputs = v.node().inputs();
        INDArray[] crops = new INDArray[inputs.size()];
        for (int a = 0; a < inputs.size(); a++) {
            ReceptiveField.Value u = plan.values().get(inputs.get(a));
            // A window op reads rows top*s - pad .. (top + bh - 1) s - pad + (k - 1) d: a crop of the padded map.
            int ch = win == null ? v.bh() : (v.bh() - 1) * win.sh() + (win.kh() - 1) * win.dh() + 1;
            int cw = win == null ? v.bw() : (v.bw() - 1) * win.sw() + (win.kw() - 1) * win.dw() + 1;
            double[] batch = new double[b * u.C() * ch * cw];
            for (int i = 0; i < b; i++) {
                int k = start + i;
                int r0 = win == null ? v.top()[k] : v.top()[k] * win.sh() - win.padTop();
                int c0 = win == null ? v.left()[k] : v.left()[k] * win.sw() - win.padLeft();
                double[] one = crop(u, clean.get(u.name()), boxes.get(u.name())[i], u, k, r0, c0, ch, cw,
                        win == null ? 0 : win.padValue());
                System.arraycopy(one, 0, batch, i * one.length, one.length);
            }
            crops[a] = NdArrays.create(batch, new long[] {b, u.C(), ch, cw}, x.dataType());
        }
        Layer<?> op = win == null ? v.node().layer() : win.valid();
        Layer.Forward<?> f = op.forward(crops);
        if (f.cache() instanceof Layer.OwnedCache owned) {
            owned.close();
        }
        double[] y = NdArrays.doubles(f.y());
        NdArrays.close(crops);
        NdArrays.close(f.y());
        int per = v.C() * v.bh() * v.bw();
        double[][] out = new double[b][];
        for (int i = 0; i < b; i++) {
            out[i] = java.util.Arrays.copyOfRange(y, i * per, (i + 1) * per);
        }
        return out;
    }

    /**
     * Rows {@code r0 .. r0 + ch - 1} and columns {@code c0 .. c0 + cw - 1} of value {@code u} as
     * square {@code k} changed it: its box values where the box is, the clean map elsewhere, and
     * {@code pad} outside the map. {@code box} null: the clean (here: fill) map everywhere.
     */
    private static double[] crop(ReceptiveField.Value u, double[] clean, double[] box, ReceptiveField.Value boxOf, int k,
                                 int r0, int c0, int ch, int cw, double pad) {
        double[] out = new double[u.C() * ch * cw];
        int bt = box == null ? 0 : boxOf.top()[k];
        int bl = box == null ? 0 : boxOf.left()[k];
        for (int c = 0; c < u.C(); c++) {
            for (int i = 0; i < ch; i++) {
                int r = r0 + i;
                int o = (c * ch + i) * cw;
                for (int j = 0; j < cw; j++) {
                    int col = c0 + j;
                    double v;
                    if (r < 0 || r >= u.h() || col < 0 || col >= u.w()) {
                        v = pad;
                    } else if (box != null && r >= bt && r < bt + u.bh() && col >= bl && col < bl + u.bw()) {
                        v = box[(c * u.bh() + r - bt) * u.bw() + col - bl];
                    } else {
                        v = clean[(c * u.h() + r) * u.w() + col];
                    }
                    out[o + j] = v;
                }
            }
        }
        return out;
    }

    /** The clean map of {@code v} with square {@code k}'s box pasted, at {@code out[offset..]}. */
    private static void paste(ReceptiveField.Value v, double[] clean, double[] box, int k, double[] out, int offset) {
        System.arraycopy(clean, 0, out, offset, clean.length);
        int t = v.top()[k];
        int l = v.left()[k];
        for (int c = 0; c < v.C(); c++) {
            for (int i = 0; i < v.bh(); i++) {
                System.arraycopy(box, (c * v.bh() + i) * v.bw(), out, offset + (c * v.h() + t + i) * v.w() + l, v.bw());
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
