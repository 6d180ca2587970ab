package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xai4j.testing.Shared;

/** {@code xai4j sanity} on the oracle's tiny model: its files, its rows, and its refusals. */
class SanityTest {
    @TempDir
    Path dir;

    @Test
    void writesOneRowPerMethodAndDepthAndTheFigure() throws IOException {
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        String input = Shared.require("oracle/tiny/input.npy").toString();
        Cli.run("sanity", "--model", tiny, "--input", input, "--methods", "saliency,gradcam,guided-backprop",
                "--cascade", "1,2", "--out", dir.toString()).ok();
        List<String> csv = Files.readAllLines(dir.resolve("sanity.csv"));
        assertEquals("method,mode,randomized,depth,spearman,spearman_abs,ssim,hog", csv.get(0));
        assertEquals(1 + 3 * 2, csv.size());
        for (String row : csv.subList(1, csv.size())) {
            double spearman = Double.parseDouble(row.split(",")[4]);
            assertTrue(spearman >= -1 && spearman <= 1, row);
        }
        assertTrue(Files.size(dir.resolve("sanity.png")) > 0);
    }

    @Test
    void depthsOutsideTheModelAndUnknownMethodsAreRefused() {
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        String input = Shared.require("oracle/tiny/input.npy").toString();
        Cli.run("sanity", "--model", tiny, "--input", input, "--cascade", "99", "--out", dir.toString()).error("--cascade 99", "weighted layers");
        Cli.run("sanity", "--model", tiny, "--input", input, "--methods", "nosuch", "--out", dir.toString()).error("nosuch");
    }
}
