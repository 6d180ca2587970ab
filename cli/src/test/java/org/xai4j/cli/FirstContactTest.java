package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xai4j.engine.Graph;
import org.xai4j.importers.ModelMetadata;
import org.xai4j.importers.Models;
import org.xai4j.testing.Shared;

/**
 * The commands that need nothing beside the repository: demo on the bundled models (its page
 * opened in Chromium), train and eval on the synthetic set, train-head on a small backbone.
 */
class FirstContactTest {
    @TempDir
    Path dir;

    @Test
    void theDemoRunsOnTheBundledModelsAndItsPageHasNoBrokenPicture() throws Exception {
        Path out = dir.resolve("demo");
        Cli.Result r = Cli.run("demo", "--out", out.toString(), "--images", "2", "--mark-images", "2").ok();
        assertTrue(r.out().contains("Clever Hans model right") && r.out().contains("open "), r.out());
        assertTrue(Files.isRegularFile(out.resolve("shapes_00/all.png")) && Files.isRegularFile(out.resolve("clever_hans_00/all.png")));
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(!html.contains("src=\"http") && !html.contains("src=\"file"), "self-contained");
        Chromium.require(); // without it (and not in CI) the browser check is skipped, the rest has run
        Chromium.Check check = Chromium.check(out.resolve("index.html"));
        assertTrue(check.images() >= 4, "pictures: " + check.images());
        assertEquals(List.of(), check.broken());
        assertEquals(List.of(), check.console());
    }

    @Test
    void trainWritesAModelThatCarriesItsPreprocessingAndLabels() throws IOException {
        Path model = dir.resolve("small.onnx");
        Cli.Result r = Cli.run("train", "--out", model.toString(), "--synthetic", "64", "--held-out", "16", "--epochs", "1",
                "--hold", "0.5", "--size", "32").ok();
        assertTrue(r.out().contains("held-out accuracy") && r.out().contains("sha256"), r.out());
        Graph g = Models.load(model);
        assertEquals(6, g.predict(org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 32, 32)).size(1));
        ModelMetadata meta = ModelMetadata.read(model);
        assertEquals("torchvision", meta.properties().get(ModelMetadata.PREPROCESS_KEY));
        assertTrue(meta.properties().get(ModelMetadata.LABELS_KEY).startsWith("circle"), meta.properties().toString());
        assertTrue(meta.properties().get("xai4j.training").contains("--lr 0.05 --hold 0.5 --size 32"), meta.properties().toString());
        Cli.run("train", "--out", model.toString(), "--epochs", "0").error("--epochs");
        Cli.run("train", "--out", model.toString(), "--hold", "1").error("--hold");

        Path eval = dir.resolve("eval");
        Cli.run("eval", "--model", model.toString(), "--synthetic", "4", "--methods", "gradcam,saliency", "--no-sanity",
                "--out", eval.toString()).ok();
        List<String> metrics = Files.readAllLines(eval.resolve("metrics.csv"));
        assertEquals("image,method,metric,value", metrics.get(0));
        assertEquals(1 + 4 * 2 * 8, metrics.size(), "4 images x 2 methods x 8 metrics");
        assertTrue(Files.readString(eval.resolve("summary.csv")).contains("gradcam,corloc,"));
        assertTrue(Files.size(eval.resolve("report.html")) > 0);
        Cli.run("eval", "--model", model.toString(), "--synthetic", "4", "--metrics", "nosuch", "--out", eval.toString()).error("nosuch");
    }

    @Test
    void evalRunsOnAModelWhoseFileFixesTheBatchAtOne() throws IOException {
        // tiny.op13_bn.onnx declares [1, 3, 32, 32]; eval's batches of perturbed copies used to be refused by it
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        Path eval = dir.resolve("eval_tiny");
        Cli.run("eval", "--model", tiny, "--synthetic", "2", "--methods", "gradcam", "--no-sanity", "--preprocess", "torchvision",
                "--out", eval.toString()).ok();
        assertEquals(1 + 2 * 8, Files.readAllLines(eval.resolve("metrics.csv")).size(), "2 images x 8 metrics");
        Cli.run("eval", "--model", tiny, "--synthetic", "2", "--tolerance", "-1", "--out", eval.toString()).error("--tolerance", "-1");
    }

    @Test
    void trainHeadPutsANewHeadOnAFrozenBackbone() throws IOException {
        String tiny = Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
        Path out = dir.resolve("head.onnx");
        Cli.Result r = Cli.run("train-head", "--model", tiny, "--out", out.toString(), "--synthetic", "48", "--held-out", "12",
                "--epochs", "3", "--preprocess", "torchvision").ok();
        assertTrue(r.out().contains("held-out accuracy of the whole model"), r.out());
        Graph g = Models.load(out);
        assertEquals(List.of("head_fc"), g.outputs());
        assertEquals(6, g.predict(org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 32, 32)).size(1));
    }
}
