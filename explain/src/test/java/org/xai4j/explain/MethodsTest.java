package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/** The method catalogue: every entry builds what it says, counts the rows it runs, and the README lists exactly it. */
class MethodsTest {
    private static final Graph CNN = TestNets.cnn(3, DataType.DOUBLE);
    private static final INDArray X = TestNets.input(51, DataType.DOUBLE, 1, 3, 12, 12);

    /** Perturbation settings that fit the 12 x 12 test input and keep the passes few. */
    private static final Perturbation SMALL = Perturbation.DEFAULT.withInputSize(12, 12).withPatch(4).withStride(4).withMasks(5)
            .withSegments(Segmentation.slic(4, 10));

    @Test
    void everyEntryBuildsAnExplainerWhoseMapHasTheDeclaredShape() {
        Parameters p = Parameters.DEFAULT.withSteps(3).withSamples(3).withBatchSize(2).withAugmentations(3).withIterations(5)
                .withPerturbation(SMALL);
        for (Method m : Methods.ALL) {
            Explanation e = m.explainer(p).explain(CNN, X, Target.of(1));
            if (m.output() == Method.Output.CAM) {
                CamResult cam = assertInstanceOf(CamResult.class, e, m.name());
                assertEquals(List.of(1L, 12L, 12L), List.of(cam.map().size(0), cam.map().size(1), cam.map().size(2)), m.name());
                assertEquals("features", cam.layer(), m.name() + ": the default layer");
            } else if (m.output() == Method.Output.MAP) {
                assertArrayEquals(new long[] {1, 12, 12}, e.map().shape(), m.name());
            } else {
                assertTrue(Arrays.equals(X.shape(), e.map().shape()), m.name() + " " + Arrays.toString(e.map().shape()));
            }
            assertEquals(1, e.scores().classOf(0), m.name());
        }
    }

    /** The long methods report exactly the rows the entry estimates, so a progress bar ends at 100%. */
    @Test
    void progressAddsUpToTheEstimatedRows() {
        for (Method m : Methods.ALL) {
            AtomicLong rows = new AtomicLong();
            Parameters p = Parameters.DEFAULT.withSteps(5).withSamples(3).withBatchSize(2).withAugmentations(3).withIterations(5)
                    .withProgress(rows::addAndGet).withPerturbation(SMALL);
            m.explainer(p).explain(CNN, X, Target.of(0));
            if (m.rowsFor(CNN, X.shape(), p) > 1) {
                assertEquals(m.rowsFor(CNN, X.shape(), p), rows.get(), m.name());
            } else {
                assertEquals(0, rows.get(), m.name() + " reports nothing: its one pass is counted when it ends");
                assertEquals(1, m.rowsFor(p), m.name());
            }
        }
    }

    /** Score-CAM and Ablation-CAM run a row per channel of their layer: 6 at "features", 4 at "block". */
    @Test
    void rowsThatDependOnTheLayerAreCountedFromTheGraph() {
        assertEquals(8, Methods.named("scorecam").rowsFor(CNN, X.shape(), Parameters.DEFAULT));
        assertEquals(5, Methods.named("ablationcam").rowsFor(CNN, X.shape(), Parameters.DEFAULT.withLayer("block")));
        assertEquals(2, Methods.named("scorecam").rowsFor(Parameters.DEFAULT), "without the graph, a lower bound");
        assertEquals(List.of("steps", "rule", "baseline", "batch_size", "gap"),
                List.copyOf(Methods.named("ig").parametersOf(Parameters.DEFAULT).keySet()));
    }

    @Test
    void namesAreUniqueAndRecordsNameParametersInOneOrder() {
        assertEquals(Methods.ALL.size(), new HashSet<>(Methods.ALL.stream().map(Method::name).toList()).size());
        assertEquals(List.of("wrapped", "samples", "sigma", "seed", "batch_size"),
                List.copyOf(Methods.named("SmoothGrad").parametersOf(Parameters.DEFAULT).keySet()));
        assertEquals("right", Methods.named("ig").parametersOf(Parameters.DEFAULT).get("rule"));
        assertEquals("relu", Methods.named("deconvnet")
                .parametersOf(Parameters.DEFAULT.withRectifiers(BackwardRules.Activations.RELU_ONLY)).get("rectifiers"));
        String unknown = assertThrows(IllegalArgumentException.class, () -> Methods.named("gradcam+++")).getMessage();
        assertTrue(unknown.contains("smooth-gradcam++"), unknown);
        assertThrows(IllegalArgumentException.class, () -> Method.cam("x", "X", "X", "", "", "", List.of(Parameter.STEPS, Parameter.LAYER),
                p -> new Saliency()));
    }

    @Test
    void absurdValuesAreRefusedWithTheLimit() {
        String steps = assertThrows(IllegalArgumentException.class, () -> Parameter.STEPS.check(100_000_000)).getMessage();
        assertTrue(steps.startsWith("--steps 100000000: at most 100000 ("), steps);
        Parameter.STEPS.check(100_000);
        Parameter.SEED.check(Long.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> Parameter.BATCH_SIZE.check(1025));
    }

    /** CAM's check refuses a head without a linear classifier before any pass; Grad-CAM has none. */
    @Test
    void camRefusesAGraphWithoutAClassifierBeforeRunning() {
        Graph mlp = TestNets.mlp(5, 8, 16, 4);
        Head head = Head.of(mlp);
        assertThrows(IllegalArgumentException.class,
                () -> Methods.named("cam").check().check(mlp, head, Parameters.DEFAULT.withLayer("relu1")));
        Methods.named("cam").check().check(CNN, Head.of(CNN), Parameters.DEFAULT);
    }

    /** The README's method table is the catalogue's: a new entry without its row (or a stale row) fails here. */
    @Test
    void theReadmeTableIsTheCatalogue() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String table = Methods.markdownTable();
        assertTrue(readme.contains(table), "explain/README.md should contain exactly this table:\n" + table);
    }
}
