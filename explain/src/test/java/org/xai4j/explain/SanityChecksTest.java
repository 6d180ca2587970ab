package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.explain.metrics.ModelRandomization;
import org.xai4j.explain.metrics.SanityChecks;

/** The randomization test on a small CNN: maps of the trained model stay themselves only until weights go. */
class SanityChecksTest {
    private static final Graph CNN = TestNets.cnn(3, DataType.DOUBLE);
    private static final INDArray X = TestNets.input(4, DataType.DOUBLE, 1, 3, 12, 12);

    @Test
    void cascadingRandomizationMovesGradientAndGradCamAwayFromTheirOriginals() {
        int c = Target.argmax(Head.of(CNN).at(CNN, X).toDoubleVector());
        int all = ModelRandomization.layersTopDown(CNN).size();
        assertEquals(5, all); // logits, conv4, conv3, conv2, conv1
        for (String name : List.of("saliency", "gradcam")) {
            Method m = Methods.named(name);
            List<SanityChecks.Row> rows = SanityChecks.cascading(m, Parameters.DEFAULT, CNN, X, c, new int[] {1, 3, all}, 5);
            assertEquals(List.of("logits", "conv3", "conv1"), rows.stream().map(SanityChecks.Row::randomized).toList());
            SanityChecks.Row full = rows.get(2);
            assertTrue(full.spearman() < 0.9, name + " " + full);
            assertTrue(full.ssim() < 0.95, name + " " + full);
        }
    }

    @Test
    void twoRunsOnTheTrainedModelAreIdenticalSoAnyDropComesFromTheRandomization() {
        Method m = Methods.named("gradcam");
        var first = SanityChecks.displayMap(m, Parameters.DEFAULT, CNN, X, 0);
        var second = SanityChecks.displayMap(m, Parameters.DEFAULT, CNN, X, 0);
        assertEquals(1.0, org.xai4j.explain.metrics.Similarity.spearman(first, second), 1e-12);
        assertEquals(1.0, org.xai4j.explain.metrics.Similarity.ssim(first, second), 1e-12);
    }
}
