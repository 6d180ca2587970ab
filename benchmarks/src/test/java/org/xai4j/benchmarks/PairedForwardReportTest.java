package org.xai4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The paired report's settings, its arithmetic on block medians, and one short run of both
 * runtimes on the oracle's tiny model (3 x 32 x 32): every block timed, on both sides.
 */
class PairedForwardReportTest {

    @Test
    void settingsDefaultAndParse() {
        PairedForwardReport.Settings d = PairedForwardReport.Settings.parse(new String[0]);
        assertEquals(List.of("resnet18", "resnet50", "mobilenet_v2"), d.models());
        assertArrayEquals(new int[] {1, 8}, d.batches());
        assertEquals(10, d.pairs());
        PairedForwardReport.Settings s = PairedForwardReport.Settings.parse(
                new String[] {"--models", "resnet50", "--batches", "8", "--pairs", "3", "--block-seconds", "0.5", "--warmup-seconds", "2"});
        assertEquals(List.of("resnet50"), s.models());
        assertArrayEquals(new int[] {8}, s.batches());
        assertEquals(3, s.pairs());
        assertEquals(0.5, s.blockSeconds());
        assertEquals(2, s.warmupSeconds());
    }

    @Test
    void badSettingsNameTheOptionAndWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairedForwardReport.Settings.parse(new String[] {"--pairs", "0"}));
        assertTrue(e.getMessage().contains("--pairs must be a whole number from 1 to 10000, got '0'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairedForwardReport.Settings.parse(new String[] {"--batches", "1,100000"}));
        assertTrue(e.getMessage().contains("--batches must be a whole number from 1 to 64, got '100000'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairedForwardReport.Settings.parse(new String[] {"--block-seconds", "NaN"}));
        assertTrue(e.getMessage().startsWith("--block-seconds must be seconds"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairedForwardReport.Settings.parse(new String[] {"--batch", "1"}));
        assertTrue(e.getMessage().contains("unknown option --batch; accepted: --models"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PairedForwardReport.Settings.parse(new String[] {"--models"}));
        assertEquals("--models needs a value", e.getMessage());
    }

    @Test
    void mediansRatiosAndPairsAtOrBelow() {
        PairedForwardReport.Result r = new PairedForwardReport.Result("m", 1, 10,
                new double[] {9, 11, 10, 12}, new double[] {10, 10, 10, 10});
        assertEquals(10.5, r.median(r.xai4j()), 1e-12);
        assertArrayEquals(new double[] {0.9, 1.1, 1.0, 1.2}, r.ratios(), 1e-12);
        assertEquals(2, r.atOrBelow()); // 0.9 and 1.0
        assertEquals(11, r.median(new double[] {12, 9, 11}), 1e-12);
    }

    @Test
    void bothRuntimesTimedInEveryBlock() throws InterruptedException {
        String tiny = OracleModel.file("tiny/tiny.op13_bn.onnx").toString();
        PairedForwardReport.Settings s = new PairedForwardReport.Settings(List.of(tiny), new int[] {2}, 3, 0.02, 0.1);
        PairedForwardReport.Result r = PairedForwardReport.measure(tiny, 2, s);
        assertEquals(3, r.xai4j().length);
        assertEquals(3, r.onnxRuntime().length);
        assertTrue(r.passesPerBlock() >= 5, "at least 5 passes a block, got " + r.passesPerBlock());
        for (int i = 0; i < 3; i++) {
            assertTrue(r.xai4j()[i] > 0 && Double.isFinite(r.xai4j()[i]), "xai4j block " + i + ": " + r.xai4j()[i]);
            assertTrue(r.onnxRuntime()[i] > 0 && Double.isFinite(r.onnxRuntime()[i]), "ONNX Runtime block " + i + ": " + r.onnxRuntime()[i]);
        }
    }
}
