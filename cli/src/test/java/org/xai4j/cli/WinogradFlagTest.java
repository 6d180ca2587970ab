package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xai4j.testing.Shared;

/**
 * {@code --winograd} on the commands that run a model: it sets the plans' switch before they
 * compile, and the top class of the oracle ResNet-18 and its logit (printed to 4 decimals)
 * are those of the direct plans (onednn/README.md has the errors: 2.6e-7 relative).
 */
class WinogradFlagTest {

    @AfterEach
    void reset() {
        System.clearProperty(PlanOptions.WINOGRAD);
    }

    @Test
    void predictWithWinogradPrintsTheSameTopClasses() {
        String model = Shared.require("oracle/resnet18/resnet18.op13_bn.onnx").toString();
        String input = Shared.require("oracle/resnet18/input.npy").toString();
        String direct = Cli.run("predict", "--model", model, "--input", input, "--top", "3").ok().out();
        assertNull(System.getProperty(PlanOptions.WINOGRAD), "set without --winograd");
        String winograd = Cli.run("predict", "--model", model, "--input", input, "--top", "3", "--winograd").ok().out();
        assertEquals("true", System.getProperty(PlanOptions.WINOGRAD));
        assertEquals(direct, winograd);
        assertTrue(Cli.run("explain", "--help").ok().out().contains("--winograd"), "explain offers --winograd");
    }
}
