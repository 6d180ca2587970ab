package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xai4j.testing.Shared;

/**
 * {@code --[no-]winograd} on the commands that run a model: left alone the plans keep their
 * default (auto: direct kernels until Winograd pays) and the switch stays unset;
 * {@code --no-winograd} and {@code --winograd} set it before the plans compile. The top classes of the oracle
 * ResNet-18 and their logits (printed to 4 decimals) are the same either way (onednn/README.md
 * has the errors: 2.6e-7 of the largest logit against 2.4e-7 direct).
 */
class WinogradFlagTest {

    @AfterEach
    void reset() {
        System.clearProperty(PlanOptions.WINOGRAD);
    }

    @Test
    void directAndWinogradPlansPrintTheSameTopClasses() {
        String model = Shared.require("oracle/resnet18/resnet18.op13_bn.onnx").toString();
        String input = Shared.require("oracle/resnet18/input.npy").toString();
        String byDefault = Cli.run("predict", "--model", model, "--input", input, "--top", "3").ok().out();
        assertNull(System.getProperty(PlanOptions.WINOGRAD), "set without the flag");
        String direct = Cli.run("predict", "--model", model, "--input", input, "--top", "3", "--no-winograd").ok().out();
        assertEquals("false", System.getProperty(PlanOptions.WINOGRAD));
        String winograd = Cli.run("predict", "--model", model, "--input", input, "--top", "3", "--winograd").ok().out();
        assertEquals("true", System.getProperty(PlanOptions.WINOGRAD));
        assertEquals(byDefault, direct);
        assertEquals(byDefault, winograd);
        String help = Cli.run("explain", "--help").ok().out();
        assertTrue(help.contains("--[no-]winograd"), "explain offers --[no-]winograd:\n" + help);
    }
}
