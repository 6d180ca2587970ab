package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Perturbation;

/** When explain shows an estimate and a bar, and that the bar ends full however the methods report. */
class ExplainProgressTest {
    // Perturbation settings of few rows: two squares, ten masks.
    private static final Parameters P = Parameters.DEFAULT.withSteps(40).withSamples(10)
            .withPerturbation(Perturbation.DEFAULT.withPatch(112).withStride(112).withMasks(10));

    @Test
    void quickWorkShowsNothing() {
        StringWriter err = new StringWriter();
        try (ExplainProgress p = ExplainProgress.start(new PrintWriter(err), true, Methods.ALL, null, null, P, 1, () -> 1)) {
            p.advance(5);
        }
        assertEquals("", err.toString());
    }

    @Test
    void longWorkShowsItsEstimateAndOnATerminalABarThatEndsFull() {
        List<Method> methods = List.of(Methods.named("ig"), Methods.named("gradcam"));
        // 42 + 1 rows of 3 forwards of 100 ms: 13 s (the first pass took 900 ms: compiling).
        StringWriter log = new StringWriter();
        try (ExplainProgress p = ExplainProgress.start(new PrintWriter(log), false, methods, null, null, P, 900, () -> 100)) {
            p.advance(42);
        }
        assertEquals("xai4j: about 13 s: 43 passes of one input (forward and backward), estimated from a forward pass "
                + "(100 ms)", log.toString().strip(), "one line, no bar, when stderr is not a terminal");

        StringWriter terminal = new StringWriter();
        try (ExplainProgress p = ExplainProgress.start(new PrintWriter(terminal), true, methods, null, null, P, 900, () -> 100)) {
            p.advance(2);
            p.advance(40);
            p.finished(methods.get(0));
            // Grad-CAM reports nothing: its row is counted when it ends.
            p.finished(methods.get(1));
        }
        String shown = terminal.toString();
        assertTrue(shown.startsWith("xai4j: about 13 s"), shown);
        assertTrue(shown.contains("\r") && shown.contains("explain") && shown.contains("100%") && shown.contains("43/43"), shown);
    }

    /** A slow first pass (compiling) alone does not make quick work look long. */
    @Test
    void aSlowFirstPassIsTimedAgain() {
        StringWriter err = new StringWriter();
        try (ExplainProgress p = ExplainProgress.start(new PrintWriter(err), true, List.of(Methods.named("ig")), null, null, P, 900, () -> 10)) {
            p.advance(42);
        }
        assertEquals("", err.toString());
    }

    @Test
    void durationsReadAsAPersonWouldSayThem() {
        assertEquals("40 s", ExplainProgress.duration(40));
        assertEquals("3 min", ExplainProgress.duration(180));
        assertEquals("4.2 h", ExplainProgress.duration(4.2 * 3600));
    }
}
