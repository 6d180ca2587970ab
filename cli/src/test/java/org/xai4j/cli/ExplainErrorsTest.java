package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.engine.io.Npy;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameter;
import org.xai4j.importers.Models;
import org.xai4j.testing.Shared;

/**
 * {@code explain}'s refusals (one line, non-zero exit, no stack trace, nothing computed in vain)
 * and its defaults, on the oracle's tiny net (32 x 32, 10 classes: each run is a fraction of a
 * second).
 */
class ExplainErrorsTest {
    @TempDir
    Path dir;

    private static String tiny() {
        return Shared.require("oracle/tiny/tiny.op13_bn.onnx").toString();
    }

    private static String tinyInput() {
        return Shared.require("oracle/tiny/input.npy").toString();
    }

    /** explain on the tiny net with the given extra arguments, writing into the test's directory. */
    private Cli.Result explain(String... args) {
        List<String> all = new ArrayList<>(List.of("explain", "--model", tiny(), "--input", tinyInput(),
                "--out", dir.resolve("out").toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void targetOutOfRange() {
        explain("--method", "saliency", "--target", "10").error("--target 10", "10 classes", "0..9");
        explain("--method", "saliency", "--target", "-1").error("--target", "-1", "top");
        explain("--method", "saliency", "--target", "cat").error("--target", "cat");
        assertTrue(Files.notExists(dir.resolve("out/saliency.npy")));
    }

    @Test
    void stepsAndSamplesBelowOne() {
        explain("--method", "ig", "--steps", "0").error("--steps", "at least 1");
        explain("--method", "smoothgrad", "--samples", "0").error("--samples", "at least 1");
        explain("--method", "smooth-gradcam++", "--samples", "-2").error("--samples", "-2");
        explain("--method", "smoothgrad", "--sigma", "-0.1").error("--sigma", ">= 0");
        explain("--method", "ig", "--rule", "trapezoid", "--steps", "1").error("trapezoid", "steps >= 2");
        explain("--method", "ig", "--rule", "simpson").error("--rule", "simpson", "gauss-legendre");
    }

    /** A count that would run for hours (or until killed) is a bad command line, refused before the model is read. */
    @Test
    void absurdCountsAreRefusedWithTheLimit() {
        Cli.Result steps = explain("--method", "ig", "--steps", "100000000").error("--steps 100000000: at most 100000");
        assertEquals(2, steps.exit(), "a bad command line");
        explain("--method", "smoothgrad", "--samples", "99999999999").error("--samples 99999999999: at most 100000");
        explain("--method", "smoothgrad", "--batch-size", "5000").error("--batch-size 5000: at most 1024");
        assertTrue(Files.notExists(dir.resolve("out")), "nothing written");
    }

    /** "--layer input" made a Grad-CAM of the colour channels; now it is refused with the reason. */
    @Test
    void theInputIsNoLayerForCamMethods() {
        String in = Models.load(Path.of(tiny())).inputs().get(0).name();
        explain("--method", "gradcam", "--layer", in).error("--layer " + in, "is the model's input, not a layer's feature maps",
                "gradcam", "saliency");
        explain("--method", "all", "--layer", in).error("--layer " + in, "the CAM methods");
        explain("--method", "gradcam++", "--layer", "/fc/Gemm").error("--layer /fc/Gemm", "logits");
        assertTrue(Files.notExists(dir.resolve("out/gradcam.npy")));
    }

    @Test
    void unknownLayerListsCloseMatches() {
        explain("--method", "gradcam", "--layer", "/relu3/Relu_output").error("--layer", "'/relu3/Relu_output'",
                "did you mean", "/relu3/Relu_output_0", "xai4j layers");
        explain("--method", "cam", "--layer", "relu9").error("--layer", "relu9");
    }

    @Test
    void unknownMethod() {
        explain("--method", "gradcam+++").error("--method", "gradcam+++", "smooth-gradcam++", "all");
        explain().error("--method");
    }

    @Test
    void camNeedsGlobalPoolingThenLinear() {
        // The residual block's output is read by a convolution, not by the pooling.
        explain("--method", "cam", "--layer", "/relu2/Relu_output_0")
                .error("CAM needs global average pooling then a linear layer", "/relu2/Relu_output_0");
        // Grad-CAM works there.
        explain("--method", "gradcam", "--layer", "/relu2/Relu_output_0").ok();
    }

    @Test
    void noGlobalPoolingNoDefaultLayer() throws IOException {
        Path model = dir.resolve("flat.onnx");
        Files.write(model, reluThenFlatten().toByteArray());
        Path x = dir.resolve("x.npy");
        Npy.write(Nd4j.rand(1, 3, 4, 4), x);
        Cli.run("explain", "--model", model.toString(), "--input", x.toString(), "--method", "gradcam",
                "--out", dir.toString()).error("--layer is needed", "global pooling", "xai4j layers");
        // Gradient methods need no layer.
        Cli.run("explain", "--model", model.toString(), "--input", x.toString(), "--method", "saliency",
                "--out", dir.resolve("s").toString()).ok();
    }

    /** A model whose reshape fixes the batch at 1 still gets integrated gradients, one path point per pass. */
    @Test
    void integratedGradientsOnAModelFixedToOneRow() throws IOException {
        Path model = dir.resolve("fixed.onnx");
        Files.write(model, reluThenReshapeToOneRow().toByteArray());
        Path x = dir.resolve("x.npy");
        Npy.write(Nd4j.rand(1, 3, 4, 4), x);
        Cli.Result r = Cli.run("explain", "--model", model.toString(), "--input", x.toString(), "--method", "ig", "--steps", "4",
                "--target", "5", "--out", dir.resolve("ig").toString()).ok();
        JsonNode ig = ExplainFiles.json(dir.resolve("ig/ig.json"));
        assertEquals(1, ig.get("parameters").get("batch_size").asInt(), "one row per pass");
        // Relu then a reshape: the score is x_5 where positive, so IG from zeros is exactly relu(x_5).
        assertEquals(0, ig.get("completeness_gap").asDouble(), 1e-6, r.out());
    }

    @Test
    void badBaselines() throws IOException {
        Path wrong = dir.resolve("wrong.npy");
        Npy.write(Nd4j.zeros(1, 3, 8, 8), wrong);
        explain("--method", "ig", "--baseline", wrong.toString()).error("--baseline", "wrong.npy", "[1,3,8,8]", "[1,3,32,32]");
        explain("--method", "ig", "--baseline", "grey").error("--baseline", "grey", "black, white, noise, blur");
        explain("--method", "ig", "--baseline", "blur:-2").error("--baseline", "blur:S");
    }

    @Test
    void defaultsAreTheOraclesSettings() throws IOException {
        // No --layer, --target, --steps, --rule or --baseline: the input of global pooling, the
        // predicted class (the oracle's target), 32 right-Riemann steps from zeros.
        Cli.Result r = explain("--method", "all", "--samples", "3", "--masks", "20").ok();
        assertTrue(r.out().contains("layer:  /relu3/Relu_output_0 (default"), r.out());
        assertTrue(r.out().contains("the predicted class"), r.out());
        Path out = dir.resolve("out");
        JsonNode ig = ExplainFiles.json(out.resolve("ig.json"));
        assertEquals(3, ig.get("target").asInt(), "index.json tiny.target_class");
        assertEquals("top", ig.get("target_requested").asText());
        assertEquals(32, ig.get("parameters").get("steps").asInt());
        assertEquals("right", ig.get("parameters").get("rule").asText());
        assertTrue(ig.get("parameters").get("baseline").asText().startsWith("black"));
        // The oracle's completeness gap: |sum IG - (f(x) - f(0))| = 1.71367e-3 (index.json meta.ig).
        assertEquals(1.71367e-3, Math.abs(ig.get("completeness_gap").asDouble()), 1e-7);
        double rel = ExplainFiles.relativeError(Npy.read(Shared.require("oracle/tiny/gradcam_relu3_up.npy")),
                Npy.read(out.resolve("gradcam.npy")), "default-layer gradcam");
        assertTrue(rel <= 1e-4, "Grad-CAM at the default layer is the oracle's relu3: " + rel);
        JsonNode gradCam = ExplainFiles.json(out.resolve("gradcam.json"));
        assertEquals("/relu3/Relu_output_0", gradCam.get("parameters").get("layer").asText());
        assertEquals(List.of(32L, 32L), List.of(gradCam.get("files").get("map_shape").get(0).asLong(),
                gradCam.get("files").get("map_shape").get(1).asLong()));
        assertTrue(Files.isRegularFile(out.resolve("gradcam++_raw.npy")), "file names keep the method name as given");
        assertTrue(Files.isRegularFile(out.resolve("all.png")));
    }

    /** The help is the catalogue's: every method with what it shows, and which methods read each option. */
    @Test
    void helpListsTheMethodsFromTheCatalogue() {
        Cli.Result help = Cli.run("explain", "--help").ok();
        String text = help.out().replaceAll("\\s+", " ");
        for (Method m : Methods.ALL) {
            assertTrue(text.contains(m.name() + " " + m.title() + ": "), m.name() + " in\n" + help.out());
        }
        assertTrue(text.contains("--steps=N ig: gradient evaluations"), help.out());
        assertTrue(text.contains("at most 100000"), help.out());
        assertTrue(text.contains("--batch-size=N ig, smoothgrad, smooth-gradcam++, scorecam, ablationcam, augmented-gradcam, occlusion, rise, lime, "
                + "kernelshap: inputs "
                + "per forward pass"), help.out());
        assertTrue(text.contains("--gap=F ig: refine the rule"), help.out());
        assertTrue(text.contains("[--layer --samples --sigma --seed --batch-size]"), "smooth-gradcam++'s options");
        assertTrue(Cli.run("--help").out().contains("explain"));
    }

    /** Every option a method reads exists on the command line under the parameter's name. */
    @Test
    void everySharedParameterIsAnOption() {
        picocli.CommandLine explain = new picocli.CommandLine(new Main()).getSubcommands().get("explain");
        for (Parameter p : Parameter.values()) {
            assertTrue(explain.getCommandSpec().findOption(p.option()) != null, p.option());
        }
    }

    /** The root README's list of METHOD values is the catalogue's. */
    @Test
    void theReadmeListsTheCataloguesMethods() throws IOException {
        String readme = Files.readString(Path.of("../README.md")).replaceAll("\\s+", " ");
        String listed = Methods.ALL.stream().map(m -> "`" + m.name() + "`").collect(java.util.stream.Collectors.joining(", "));
        assertTrue(readme.contains("METHOD is one of " + listed + " ("), "README.md should say: METHOD is one of " + listed);
    }

    /** x [1,3,4,4] -> Relu -> Flatten -> y [1,48]: a model without global pooling. */
    private static Onnx.ModelProto reluThenFlatten() {
        Onnx.TypeProto in = tensor(1, 3, 4, 4);
        return Onnx.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(Onnx.GraphProto.newBuilder().setName("flat")
                        .addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(in))
                        .addNode(Onnx.NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("x").addOutput("r"))
                        .addNode(Onnx.NodeProto.newBuilder().setOpType("Flatten").setName("flatten").addInput("r").addOutput("y"))
                        .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y").setType(tensor(1, 48))))
                .build();
    }

    /** x [1,3,4,4] -> Relu -> Reshape to the literal [1,48]: freeing the batch axis breaks it. */
    private static Onnx.ModelProto reluThenReshapeToOneRow() {
        Onnx.TensorProto shape = Onnx.TensorProto.newBuilder().setName("shape").setDataType(Onnx.TensorProto.DataType.INT64.getNumber())
                .addDims(2).addInt64Data(1).addInt64Data(48).build();
        return Onnx.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(Onnx.GraphProto.newBuilder().setName("fixed")
                        .addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(tensor(1, 3, 4, 4)))
                        .addInitializer(shape)
                        .addNode(Onnx.NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("x").addOutput("r"))
                        .addNode(Onnx.NodeProto.newBuilder().setOpType("Reshape").setName("reshape").addInput("r").addInput("shape").addOutput("y"))
                        .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y").setType(tensor(1, 48))))
                .build();
    }

    private static Onnx.TypeProto tensor(long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(Onnx.TensorProto.DataType.FLOAT.getNumber()).setShape(shape)).build();
    }
}
