package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress over many inputs in a log (stderr not a terminal): the first estimate, then a line now and then. */
class ImagesProgressTest {
    @Test
    void aLogGetsTheEstimateThenLinesWithRateAndTimeLeft() throws InterruptedException {
        StringWriter text = new StringWriter();
        int total = 1_000_000_000;   // so that the first input's time makes a long estimate
        try (ImagesProgress p = new ImagesProgress(new PrintWriter(text), false, total, 0)) {
            Thread.sleep(2);
            p.advance(1);
            p.advance(1);
            p.advance(1);
        }
        List<String> lines = text.toString().lines().toList();
        assertEquals(3, lines.size(), text.toString());
        assertTrue(lines.get(0).startsWith("xai4j: about "), lines.get(0));
        assertTrue(lines.get(1).matches("xai4j: 2 of 1000000000 inputs, [0-9.]+/s, about .+ left"), lines.get(1));
        assertTrue(lines.get(2).startsWith("xai4j: 3 of 1000000000 inputs"), lines.get(2));
    }

    @Test
    void quickWorkShowsNothing() {
        StringWriter text = new StringWriter();
        try (ImagesProgress p = new ImagesProgress(new PrintWriter(text), false, 3, 0)) {
            p.advance(1);
            p.advance(1);
            p.advance(1);
        }
        assertEquals("", text.toString());
    }
}
