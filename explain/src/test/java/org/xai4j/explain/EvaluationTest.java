package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.explain.metrics.Box;
import org.xai4j.explain.metrics.ConfidenceChange;
import org.xai4j.explain.metrics.DeletionInsertion;
import org.xai4j.explain.metrics.Evaluation;
import org.xai4j.explain.metrics.Scorer;
import org.xai4j.explain.metrics.Substrate;

/** One method, one image, every metric: present, in range, and computed on the map the method gives. */
class EvaluationTest {
    private static final Graph CNN = TestNets.cnn(3, DataType.DOUBLE);
    private static final INDArray X = TestNets.input(4, DataType.DOUBLE, 1, 3, 12, 12);

    @Test
    void everyMetricOnGradCamAndSaliency() {
        // Truth in an original photo of 24 x 36 pixels (the input is 12 x 12): the box covers its left half.
        Evaluation.Truth truth = new Evaluation.Truth(2, List.of(new Box(0, 0, 12, 36)), 24, 36, null);
        for (String name : List.of("gradcam", "saliency")) {
            Evaluation.Result r = Evaluation.of(CNN, X, truth, Methods.named(name), Parameters.DEFAULT,
                    Evaluation.Settings.defaults(12));
            assertEquals(Evaluation.METRICS, List.copyOf(r.values().keySet()), name);
            double pointing = r.values().get("pointing");
            assertTrue(pointing >= 0 && pointing <= 1);
            assertTrue(r.values().get("energy") >= 0 && r.values().get("energy") <= 1);
            assertTrue(r.values().get("iou") >= 0 && r.values().get("iou") <= 1);
            assertTrue(r.values().get("deletion") >= 0 && r.values().get("insertion") <= 1);
            // at 15 pixels of tolerance every pixel of a 12 x 12 input is near the object
            assertEquals(1.0, pointing, 1e-12, name);
        }
    }

    @Test
    void sharedPassesGiveWhatEachMetricGivesAlone() {
        // Evaluation scores deletion, insertion and the explanation map in shared passes, x once;
        // each metric on its own scores its own copies. Double precision: equal to rounding (1e-12).
        Evaluation.Truth truth = new Evaluation.Truth(1, List.of(new Box(0, 0, 6, 12)), 12, 12, null);
        for (int batch : new int[] {1, 5, 32}) {
            Evaluation.Settings s = new Evaluation.Settings(0.2, 15, Substrate.ZEROS, Substrate.BLUR, 12, batch, Set.copyOf(Evaluation.METRICS));
            Evaluation.Result r = Evaluation.of(CNN, X, truth, Methods.named("gradcam"), Parameters.DEFAULT, s);
            Scorer p = Scorer.probability(CNN, 1);
            assertEquals(new DeletionInsertion(Substrate.ZEROS, 12, 32, 0).curve(DeletionInsertion.Mode.DELETION, X, r.map(), p).auc(),
                    r.values().get("deletion"), 1e-12);
            assertEquals(new DeletionInsertion(Substrate.BLUR, 12, 32, 0).curve(DeletionInsertion.Mode.INSERTION, X, r.map(), p).auc(),
                    r.values().get("insertion"), 1e-12);
            ConfidenceChange.Scores c = ConfidenceChange.of(X, r.map(), p);
            assertEquals(100 * c.drop(), r.values().get("drop"), 1e-10);
            assertEquals(c.increase() ? 100.0 : 0.0, r.values().get("increase"));
        }
    }

    @Test
    void unknownMetricsAreRefusedAndBoxlessImagesSkipLocalization() {
        assertThrows(IllegalArgumentException.class, () -> new Evaluation.Settings(0.2, 15,
                org.xai4j.explain.metrics.Substrate.ZEROS, org.xai4j.explain.metrics.Substrate.BLUR, 8, 8, Set.of("nosuch")));
        Evaluation.Result r = Evaluation.of(CNN, X, new Evaluation.Truth(0, List.of(), 12, 12, null), Methods.named("gradcam"),
                Parameters.DEFAULT, Evaluation.Settings.defaults(12));
        assertTrue(!r.values().containsKey("pointing") && !r.values().containsKey("iou") && r.values().containsKey("deletion"));
    }

    @Test
    void theIntervalIsTheNormalApproximation() {
        Evaluation.Summary s = Evaluation.summary(new double[] {1, 2, 3, 4});
        assertEquals(2.5, s.mean(), 1e-15);
        assertEquals(1.96 * Math.sqrt(5.0 / 3) / 2, s.halfWidth(), 1e-12);
    }
}
