package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xai4j.importers.ModelMetadata;
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

    /** --labels, as in predict: the class is printed by the names given. */
    @Test
    void labelsNameTheClass() throws IOException {
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        String input = Shared.require("oracle/tiny/input.npy").toString();
        int classes = 10;
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < classes; i++) {
            names.append("name").append(i).append('\n');
        }
        Path labels = Files.writeString(dir.resolve("labels.txt"), names);
        Cli.Result r = Cli.run("sanity", "--model", tiny, "--input", input, "--methods", "saliency", "--cascade", "1",
                "--labels", labels.toString(), "--out", dir.toString()).ok();
        assertTrue(r.out().matches("(?s).*class \\d+ \\(name\\d+\\).*"), r.out());
    }

    @Test
    void depthsOutsideTheModelAndUnknownMethodsAreRefused() {
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        String input = Shared.require("oracle/tiny/input.npy").toString();
        Cli.run("sanity", "--model", tiny, "--input", input, "--cascade", "99", "--out", dir.toString()).error("--cascade 99", "weighted layers");
        Cli.run("sanity", "--model", tiny, "--input", input, "--methods", "nosuch", "--out", dir.toString()).error("nosuch");
    }

    @Test
    void dataRandomizationAddsOneRowPerMethodAndAModelAgainstItselfScoresOne() throws IOException {
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        String input = Shared.require("oracle/tiny/input.npy").toString();
        Cli.Result r = Cli.run("sanity", "--model", tiny, "--input", input, "--methods", "saliency,gradcam,guided-backprop",
                "--cascade", "1", "--data-randomized", tiny, "--out", dir.toString()).ok();
        assertTrue(r.out().contains("data-randomized: " + tiny), r.out());
        List<String> data = Files.readAllLines(dir.resolve("sanity.csv")).stream().filter(l -> l.contains(",data,")).toList();
        assertEquals(3, data.size(), data.toString());
        for (String row : data) {
            // The same file on both sides: the same maps, so every similarity is 1 (printed to 6 places).
            assertTrue(row.endsWith(",labels,0,1.000000,1.000000,1.000000,1.000000"), row);
        }
    }

    @Test
    void trainShuffleLabelsWritesAModelThatSanityRefusesForAnotherModelsClassesOrInput() throws IOException {
        Path six = dir.resolve("six.onnx"), small = dir.resolve("small.onnx");
        Cli.Result r = Cli.run("train", "--shuffle-labels", "--out", six.toString(), "--synthetic", "64", "--held-out", "16",
                "--epochs", "1", "--size", "32").ok();
        assertTrue(r.out().contains("with shuffled labels") && r.out().contains("training accuracy: "), r.out());
        assertTrue(ModelMetadata.read(six).properties().get("xai4j.training").contains(" --shuffle-labels --epochs 1 "));
        Cli.run("train", "--shuffle-labels", "--out", small.toString(), "--synthetic", "64", "--held-out", "16", "--epochs", "1",
                "--size", "16").ok();

        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString(); // 32 x 32, 10 classes
        String input = Shared.require("oracle/tiny/input.npy").toString();
        Cli.run("sanity", "--model", tiny, "--input", input, "--methods", "saliency", "--data-randomized", six.toString(),
                "--out", dir.toString()).error("--data-randomized " + six, "gives 6 classes, the model 10");
        Cli.run("sanity", "--model", tiny, "--input", input, "--methods", "saliency", "--data-randomized", small.toString(),
                "--out", dir.toString()).error("--data-randomized " + small, "16, 16]", "same input");
    }
}
