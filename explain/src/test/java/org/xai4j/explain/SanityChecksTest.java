package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.explain.metrics.ModelRandomization;
import org.xai4j.explain.metrics.SanityChecks;
import org.xai4j.layers.Linear;

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

    @Test
    void dataRandomizationOfTwoIdenticalModelsGivesSimilarityOne() {
        Graph copy = TestNets.cnn(3, DataType.DOUBLE); // the same seed: the same weights, another graph
        for (String name : List.of("saliency", "gradxinput", "guided-backprop", "gradcam", "guided-gradcam")) {
            SanityChecks.Row r = SanityChecks.dataRandomization(Methods.named(name), Parameters.DEFAULT, CNN, copy, X, 2);
            assertEquals("data", r.mode());
            // Both maps come from the same arithmetic on the same numbers: equal to the bit, so every measure is 1 up to rounding.
            for (double similarity : new double[] {r.spearman(), r.spearmanAbs(), r.ssim(), r.hog()}) {
                assertEquals(1.0, similarity, 1e-12, name + " " + r);
            }
        }
    }

    @Test
    void dataRandomizationAgainstOtherWeightsIsBelowOne() {
        SanityChecks.Row r = SanityChecks.dataRandomization(Methods.named("saliency"), Parameters.DEFAULT, CNN,
                TestNets.cnn(4, DataType.DOUBLE), X, 2);
        assertTrue(r.spearmanAbs() < 0.9, r.toString());
    }

    @Test
    void dataRandomizationRefusesAModelOfAnotherInputOrClassCount() {
        Method m = Methods.named("saliency");
        Graph wide = new Graph(List.of(Graph.Input.of("input", -1, 3, 16, 16)), CNN.nodes(), CNN.outputs());
        var input = assertThrows(IllegalArgumentException.class,
                () -> SanityChecks.dataRandomization(m, Parameters.DEFAULT, CNN, wide, X, 0));
        assertTrue(input.getMessage().contains("[-1, 3, 16, 16]") && input.getMessage().contains("same input"), input.getMessage());
        Graph four = CNN.withLayer("logits", new Linear(TestNets.uniform(5, 1.0, 4, 6),
                Nd4j.zeros(DataType.DOUBLE, 4)));
        var classes = assertThrows(IllegalArgumentException.class,
                () -> SanityChecks.dataRandomization(m, Parameters.DEFAULT, CNN, four, X, 0));
        assertEquals("the data-randomized model gives 4 classes, the model 5; it must give the same classes", classes.getMessage());
    }
}
