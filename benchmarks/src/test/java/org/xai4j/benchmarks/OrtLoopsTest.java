package org.xai4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.explain.Fill;
import org.xai4j.explain.Head;
import org.xai4j.explain.Occlusion;
import org.xai4j.explain.Progress;
import org.xai4j.explain.Rise;
import org.xai4j.explain.ScoreCam;
import org.xai4j.explain.Target;

/**
 * The ONNX Runtime loops the side-by-side benchmarks time compute the method they stand beside:
 * on the oracle's tiny model (3 x 32 x 32, batch axis freed by {@link OnnxFiles}), each loop's
 * map equals xai4j's explainer's with the same settings. A wrong square, mask, crop, fill or
 * baseline moves a map by a sizeable part of its range; the tolerance covers only float32
 * rounding, where the two runtimes sum convolutions in different orders (about 1e-6 of the
 * logits, see OnnxExportRuntimeTest) and then subtract nearby scores.
 */
class OrtLoopsTest {
    private static final double TOLERANCE = 1e-4;
    private static final int CLASS = 3;

    private static Path file;
    private static Graph graph;
    private static OrtModel ort;
    private static INDArray x;
    private static float[] xs;

    @BeforeAll
    static void load() {
        file = OnnxFiles.of(OracleModel.file("tiny/tiny.op13_bn.onnx").toString());
        graph = Models.build(file.toString());
        ort = new OrtModel(file, 2, true);
        Nd4j.getRandom().setSeed(3);
        x = Nd4j.randn(DataType.FLOAT, 1, 3, 32, 32);
        xs = x.dup('c').data().asFloat();
    }

    @AfterAll
    static void close() {
        ort.close();
    }

    @Test
    void batchAxisIsFree() {
        assertEquals(-1, graph.inputs().get(0).shape()[0], "the copy's batch axis");
    }

    @Test
    void occlusionMatchesXai4j() {
        // 6 x 6 squares at batch 5: the last batch is partial.
        INDArray expected = new Occlusion(8, 4, Fill.value(0.5), 5, Progress.NONE).explain(graph, x, Target.of(CLASS)).map();
        double[] actual = OrtOcclusion.explain(ort, xs, 32, 32, CLASS, 8, 4, 0.5, 5);
        assertClose("occlusion", expected, actual);
    }

    @Test
    void riseMatchesXai4j() {
        INDArray expected = new Rise(21, 4, 0.5, Fill.value(0), 11, 4, Progress.NONE).explain(graph, x, Target.of(CLASS)).map();
        double[] actual = OrtRise.explain(ort, xs, 32, 32, CLASS, 21, 4, 0.5, 0, 11, 4);
        assertClose("RISE", expected, actual);
    }

    @Test
    void scoreCamMatchesXai4j() {
        String layer = Head.of(graph).featureMaps();
        INDArray expected = new ScoreCam(layer, 3).explain(graph, x, Target.of(CLASS)).map();
        try (OrtModel withMaps = new OrtModel(OnnxFiles.withOutput(file, layer), 2, true)) {
            double[] actual = OrtScoreCam.explain(withMaps, layer, xs, 32, 32, CLASS, 3);
            assertClose("Score-CAM at " + layer, expected, actual);
        }
    }

    private static void assertClose(String what, INDArray expected, double[] actual) {
        double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        assertEquals(e.length, actual.length, what + ": map size");
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            diff = Math.max(diff, Math.abs(e[i] - actual[i]));
        }
        System.out.printf("%s: max |xai4j - ONNX Runtime| %.3g of max |map| %.3g%n", what, diff, scale);
        assertTrue(scale > 0, what + ": xai4j's map is all zero, so the comparison shows nothing");
        assertTrue(diff <= TOLERANCE * scale, what + ": ONNX Runtime's loop differs from xai4j by " + diff + " (max |map| " + scale + ")");
    }
}
