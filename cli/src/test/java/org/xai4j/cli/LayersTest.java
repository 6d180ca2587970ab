package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xai4j.testing.Shared;

class LayersTest {
    private static String tiny() {
        return Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
    }

    /** The table row of {@code node}: the line whose second column is the node's name. */
    private static String row(String out, String node) {
        return out.lines().filter(l -> l.trim().split("\\s+").length > 1 && l.trim().split("\\s+")[1].equals(node))
                .findFirst().orElseThrow(() -> new AssertionError(node + " not in\n" + out));
    }

    @Test
    void everyNodeWithItsOpAndShape() {
        String out = Cli.run("layers", "--model", tiny()).ok().out();
        List<String> rows = out.lines().filter(l -> l.matches("\\s*\\d+\\s+.*")).toList();
        assertEquals(13, rows.size(), out);
        assertTrue(row(out, "/relu3/Relu_output_0").contains("ReLU") && row(out, "/relu3/Relu_output_0").contains("[1,16,8,8]"));
        assertTrue(row(out, "/pool/MaxPool_output_0").contains("MaxPool2d") && row(out, "/pool/MaxPool_output_0").contains("[1,8,16,16]"));
        String fc = row(out, "logits");
        assertTrue(fc.contains("Linear") && fc.contains("[1,10]") && fc.contains("170") && fc.contains("/fc/Gemm"), fc);
    }

    @Test
    void inputShapeIsCheckedAgainstTheModel() {
        // The oracle files have a fixed batch of 1, so only that shape fits.
        String out = Cli.run("layers", "--model", tiny(), "--input-shape", "1,3,32,32").ok().out();
        assertTrue(row(out, "logits").contains("[1,10]"), out);
        Cli.run("layers", "--model", tiny(), "--input-shape", "2,3,32,32").error("[1,3,32,32]", "[2, 3, 32, 32]");
    }

    @Test
    void jsonListsTheSameNodes() {
        Cli.Result r = Cli.run("layers", "--model", tiny(), "--json").ok();
        assertEquals(1, r.out().strip().lines().count());
        assertTrue(r.out().contains("{\"name\":\"/relu3/Relu_output_0\",\"op\":\"ReLU\",\"output_shape\":[1,16,8,8]"), r.out());
    }
}
