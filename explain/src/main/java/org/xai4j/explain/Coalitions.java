package org.xai4j.explain;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * The steps LIME and KernelSHAP share: cut each row into segments, score the coalitions a method
 * asks for (a segment off takes the fill; {@link PerturbedScores}, batched), and paint the
 * values its fit returns on the segments' pixels.
 */
final class Coalitions {
    private Coalitions() {}

    record Values(double[] values, double intercept) {}

    interface Scorer {
        double[] apply(boolean[][] z);
    }

    interface Fitter {
        Values fit(Segments segments, Scorer score);
    }

    static SegmentAttribution explain(Graph graph, INDArray x, Target target, Segmentation segmentation, Fill fill,
                                      int batchSize, Progress progress, Fitter fitter) {
        Head head = Head.of(graph);
        INDArray z = head.at(graph, x);
        progress.advance(x.size(0));
        Scores scores = target.seed(z, head).scores();
        List<Segments> all = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        List<INDArray> maps = new ArrayList<>();
        double[] intercepts = new double[(int) x.size(0)];
        for (int row = 0; row < x.size(0); row++) {
            INDArray xn = NdArrays.row(x, row);
            Segments segments = segmentation.of(xn);
            Target fixed = target.fixedAt(z, row);
            INDArray hidden = fill.replacementFor(xn);
            Values v = fitter.fit(segments, coalitions -> {
                double[] y = new double[coalitions.length];
                PerturbedScores.score(graph, head, xn, hidden, fixed, coalitions.length, batchSize,
                        (i, m) -> segments.mask(coalitions[i], m), (i, m, s) -> y[i] = s, progress);
                return y;
            });
            all.add(segments);
            values.add(v.values());
            intercepts[row] = v.intercept();
            maps.add(NdArrays.create(segments.paint(v.values()), new long[] {1, segments.H(), segments.W()}, x.dataType()));
            NdArrays.close(hidden, xn == x ? null : xn);
        }
        NdArrays.close(z);
        return new SegmentAttribution(NdArrays.stack(maps), all, values, intercepts, scores);
    }
}
