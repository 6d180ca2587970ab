package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.testing.Shared;

/**
 * {@code explain --method occlusion|rise|lime|kernelshap} on the oracle's tiny net: the files and
 * records the issue names, the user's own segments (read back exactly), and one-line refusals of
 * hostile settings and segment files.
 */
class ExplainPerturbationTest {
    @TempDir
    Path dir;

    private Cli.Result explain(String... args) {
        List<String> all = new ArrayList<>(List.of("explain", "--model", Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString(),
                "--input", Shared.require("oracle/tiny/input.npy").toString(), "--out", dir.resolve("out").toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void occlusionWritesTheGridAndTheMap() {
        Cli.Result r = explain("--method", "occlusion", "--patch", "8", "--stride", "4").ok();
        assertTrue(r.out().contains("occlusion_grid.npy [7,7]"), r.out());
        assertArrayEquals(new long[] {32, 32}, ExplainFiles.npy(dir.resolve("out/occlusion.npy")).shape());
        JsonNode json = ExplainFiles.json(dir.resolve("out/occlusion.json"));
        assertEquals(8, json.get("parameters").get("patch").asInt());
        assertEquals(4, json.get("parameters").get("stride").asInt());
        assertEquals("0.0", json.get("parameters").get("fill").asText());
        assertEquals("occlusion_grid.npy", json.get("files").get("grid").asText());
    }

    @Test
    void theUsersSegmentsAreUsedAndWrittenBack() throws IOException {
        int[] labels = new int[32 * 32];
        for (int p = 0; p < labels.length; p++) {
            labels[p] = 7 * (p / 32 / 16) + (p % 32) / 8;       // 2 x 4 blocks labelled 0..3 and 7..10
        }
        Path seg = dir.resolve("seg.npy");
        SegmentsFile.writeInt32(labels, 32, 32, seg);
        explain("--method", "kernelshap", "--segments", seg.toString(), "--samples", "256").ok();
        int[] back = ExplainFiles.ints(dir.resolve("out/kernelshap_segments.npy"));
        assertArrayEquals(labels, back);
        JsonNode json = ExplainFiles.json(dir.resolve("out/kernelshap.json"));
        assertEquals(8, json.get("segment_count").asInt());
        assertEquals(10, json.get("segment_ids").get(7).asInt());
        // With every coalition evaluated the values are exact Shapley values: they add up to f(x) - f(nothing).
        double sum = 0;
        for (JsonNode v : json.get("segment_values")) {
            sum += v.asDouble();
        }
        assertEquals(json.get("score").asDouble() - json.get("intercept").asDouble(), sum, 1e-4);
        explain("--method", "lime", "--segments", seg.toString(), "--samples", "300").ok();
        assertEquals(300, ExplainFiles.json(dir.resolve("out/lime.json")).get("parameters").get("samples").asInt());
        explain("--method", "lime").ok();
        assertEquals(1000, ExplainFiles.json(dir.resolve("out/lime.json")).get("parameters").get("samples").asInt(),
                "LIME's own default when --samples is not given");
    }

    @Test
    void riseWritesItsMap() {
        Cli.Result r = explain("--method", "rise", "--masks", "50", "--grid", "4", "--keep", "0.3", "--seed", "3").ok();
        assertTrue(r.out().contains("rise.npy [32,32]"), r.out());
        JsonNode p = ExplainFiles.json(dir.resolve("out/rise.json")).get("parameters");
        assertEquals(50, p.get("masks").asInt());
        assertEquals(0.3, p.get("keep").asDouble());
    }

    @Test
    void hostileSettingsAreOneLineErrors() {
        explain("--method", "occlusion", "--patch", "0").error("--patch", "0");
        explain("--method", "occlusion", "--stride", "0").error("--stride", "0");
        explain("--method", "occlusion", "--patch", "33").error("--patch 33", "32 x 32");
        explain("--method", "occlusion", "--stride", "500").error("--stride 500", "32 x 32");
        explain("--method", "occlusion", "--fill", "grey").error("--fill", "grey", "mean");
        explain("--method", "rise", "--keep", "1").error("--keep", "(0, 1)");
        explain("--method", "rise", "--keep", "0").error("--keep", "(0, 1)");
        explain("--method", "rise", "--masks", "100001").error("--masks 100001", "at most 100000");
        explain("--method", "rise", "--grid", "40").error("--grid 40", "32 x 32");
        explain("--method", "kernelshap", "--samples", "2").error("--samples 2", "at least 3");
        assertTrue(Files.notExists(dir.resolve("out/rise.npy")));
    }

    @Test
    void badSegmentFilesAreOneLineErrors() throws IOException {
        Path floats = dir.resolve("floats.npy");
        org.xai4j.engine.io.Npy.write(org.nd4j.linalg.factory.Nd4j.zeros(32, 32), floats);
        explain("--method", "lime", "--segments", floats.toString()).error("--segments", "'<f4'", "integer");
        Path small = dir.resolve("small.npy");
        SegmentsFile.writeInt32(new int[16 * 16], 16, 16, small);
        explain("--method", "lime", "--segments", small.toString()).error("--segments", "(16, 16)", "(32, 32)");
        Path negative = dir.resolve("negative.npy");
        int[] labels = new int[32 * 32];
        labels[5] = -3;
        SegmentsFile.writeInt32(labels, 32, 32, negative);
        explain("--method", "lime", "--segments", negative.toString()).error("--segments", "-3", ">= 0");
        Path cut = dir.resolve("cut.npy");
        byte[] whole = Files.readAllBytes(negative);
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 10));
        explain("--method", "lime", "--segments", cut.toString()).error("--segments", "bytes");
        Path text = dir.resolve("text.npy");
        Files.writeString(text, "not numpy", StandardCharsets.US_ASCII);
        explain("--method", "lime", "--segments", text.toString()).error("--segments", "not a .npy");
        explain("--method", "lime", "--segments", dir.resolve("missing.npy").toString()).error("--segments", "not found");
    }
}
