package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.ValueInfoProto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.importers.ModelFormatException;

/**
 * The official ONNX backend tests (Debian's libonnx-testdata 1.12:
 * {@code /usr/share/libonnx-testdata/data/<suite>/<test>/model.onnx} with
 * {@code test_data_set_*}/{@code input_*.pb}, {@code output_*.pb}): the operator tests of
 * {@code node}, and the small PyTorch-exported models of {@code pytorch-converted},
 * {@code pytorch-operator} and {@code simple}.
 *
 * <p>Every test whose operators are all in {@link OnnxOps#TABLE} runs and must match, unless it
 * is in {@link #EXCLUDED} with a reason; an excluded test, and every test that uses an operator
 * we do not support, must be refused with a {@link ModelFormatException}: nothing is skipped
 * silently, and nothing unsupported may import into a wrong answer. The outcome of each test is
 * written to {@code target/onnx-conformance.txt}.
 */
class OnnxConformanceTest {
    private static final Path ROOT = Path.of(System.getProperty("xai4j.onnx.testdata", "/usr/share/libonnx-testdata/data"));

    /** The operator tests, then whole small models exported from PyTorch modules and functions. */
    private static final List<String> SUITES = List.of("node", "pytorch-converted", "pytorch-operator", "simple");

    // numpy.testing.assert_allclose as the ONNX backend runner calls it: |a - e| <= atol + rtol |e|.
    private static final double RTOL = 1e-3;
    private static final double ATOL = 1e-7;

    /** Tests whose operators we support but whose settings or types we refuse, by reason. */
    private static final Map<String, String> EXCLUDED = new TreeMap<>();

    private static void exclude(String reason, String... tests) {
        for (String t : tests) {
            EXCLUDED.put(t, reason);
        }
    }

    static {
        exclude("1-D and 3-D windows: the layers are 2-D (NCHW)",
                "node/test_averagepool_1d_default", "node/test_averagepool_3d_default", "node/test_maxpool_1d_default", "node/test_maxpool_3d_default");
        exclude("integer tensors: the engine computes in float32",
                "node/test_add_uint8", "node/test_sub_uint8", "node/test_mul_uint8", "node/test_div_uint8", "node/test_maxpool_2d_uint8",
                "node/test_clip_default_int8_inbounds", "node/test_clip_default_int8_max", "node/test_clip_default_int8_min");
        exclude("float16, bfloat16 and string casts: not representable in float32/int64 arrays",
                "node/test_cast_BFLOAT16_to_FLOAT", "node/test_cast_DOUBLE_to_FLOAT16", "node/test_cast_FLOAT16_to_DOUBLE",
                "node/test_cast_FLOAT16_to_FLOAT", "node/test_cast_FLOAT_to_BFLOAT16", "node/test_cast_FLOAT_to_FLOAT16",
                "node/test_cast_FLOAT_to_STRING", "node/test_cast_STRING_to_FLOAT");
        exclude("second outputs (MaxPool indices, Dropout mask, batch-norm running statistics) are not computed",
                "node/test_maxpool_with_argmax_2d_precomputed_pads", "node/test_maxpool_with_argmax_2d_precomputed_strides",
                "node/test_dropout_default_mask", "node/test_dropout_default_mask_ratio");
        exclude("training mode (batch statistics, random dropout) is not inference",
                "node/test_batchnorm_epsilon_training_mode", "node/test_batchnorm_example_training_mode",
                "node/test_training_dropout", "node/test_training_dropout_default", "node/test_training_dropout_default_mask",
                "node/test_training_dropout_mask", "node/test_training_dropout_zero_ratio", "node/test_training_dropout_zero_ratio_mask");
        exclude("Pad modes edge and reflect: only constant padding is supported", "node/test_edge_pad", "node/test_reflect_pad");
        exclude("Reshape allowzero=1 with a 0 (empty tensors)", "node/test_reshape_allowzero_reordered");
        exclude("Gemm transA=1 on a computed input: no transpose layer", "node/test_gemm_transposeA", "node/test_gemm_all_attributes");
        exclude("MatMul with batched (rank 3, 4) operands: Linear takes [N, C]", "node/test_matmul_3d", "node/test_matmul_4d");
        exclude("CastLike graphs whose inputs are float16, bfloat16, double or string tensors (inputs are float32)",
                "node/test_castlike_BFLOAT16_to_FLOAT_expanded", "node/test_castlike_DOUBLE_to_FLOAT16_expanded",
                "node/test_castlike_FLOAT16_to_DOUBLE_expanded", "node/test_castlike_FLOAT16_to_FLOAT_expanded",
                "node/test_castlike_FLOAT_to_BFLOAT16_expanded", "node/test_castlike_FLOAT_to_DOUBLE_expanded",
                "node/test_castlike_FLOAT_to_FLOAT16_expanded", "node/test_castlike_FLOAT_to_STRING_expanded",
                "node/test_castlike_STRING_to_FLOAT_expanded");
        exclude("sequence and optional types: tensors only", "node/test_identity_sequence", "node/test_identity_opt");
        exclude("1-D and 3-D convolutions and windows: the layers are 2-D (NCHW)",
                "pytorch-converted/test_AvgPool3d", "pytorch-converted/test_AvgPool3d_stride",
                "pytorch-converted/test_AvgPool3d_stride1_pad0_gpu_input", "pytorch-converted/test_Conv1d",
                "pytorch-converted/test_Conv1d_dilated", "pytorch-converted/test_Conv1d_groups", "pytorch-converted/test_Conv1d_pad1",
                "pytorch-converted/test_Conv1d_pad1size1", "pytorch-converted/test_Conv1d_pad2", "pytorch-converted/test_Conv1d_pad2size1",
                "pytorch-converted/test_Conv1d_stride", "pytorch-converted/test_Conv3d", "pytorch-converted/test_Conv3d_dilated",
                "pytorch-converted/test_Conv3d_dilated_strided", "pytorch-converted/test_Conv3d_groups", "pytorch-converted/test_Conv3d_no_bias",
                "pytorch-converted/test_Conv3d_stride", "pytorch-converted/test_Conv3d_stride_padding", "pytorch-converted/test_MaxPool1d",
                "pytorch-converted/test_MaxPool1d_stride", "pytorch-converted/test_MaxPool1d_stride_padding_dilation",
                "pytorch-converted/test_MaxPool3d", "pytorch-converted/test_MaxPool3d_stride", "pytorch-converted/test_MaxPool3d_stride_padding",
                "pytorch-operator/test_operator_maxpool");
        exclude("Pad modes reflect and edge: only constant padding is supported",
                "pytorch-converted/test_ReflectionPad2d", "pytorch-converted/test_ReplicationPad2d", "pytorch-operator/test_operator_pad");
        exclude("double and int64 graph inputs: inputs are float32",
                "pytorch-operator/test_operator_add_broadcast", "pytorch-operator/test_operator_add_size1_broadcast",
                "pytorch-operator/test_operator_add_size1_right_broadcast", "pytorch-operator/test_operator_add_size1_singleton_broadcast",
                "pytorch-operator/test_operator_addconstant", "pytorch-operator/test_operator_non_float_params");
    }

    /**
     * Inputs that our converters need as constants (weights, bounds, shapes, axes), by operator
     * and input position. The node tests feed them as graph inputs only because their format
     * has no other place; here they become initializers, which is what an exported model has.
     * Gather, Slice and Cast are supported on constants only (shape arithmetic), so their data
     * is frozen too: the test then checks the import-time folding.
     */
    private static final Map<String, Set<Integer>> FROZEN = Map.ofEntries(
            Map.entry("Conv", Set.of(1, 2)), Map.entry("BatchNormalization", Set.of(1, 2, 3, 4)),
            Map.entry("Gemm", Set.of(1, 2)), Map.entry("MatMul", Set.of(1)), Map.entry("Clip", Set.of(1, 2)),
            Map.entry("Pad", Set.of(1, 2, 3)), Map.entry("Reshape", Set.of(1)), Map.entry("Unsqueeze", Set.of(1)),
            Map.entry("Squeeze", Set.of(1)), Map.entry("Div", Set.of(1)), Map.entry("Dropout", Set.of(1, 2)),
            Map.entry("Gather", Set.of(0, 1)), Map.entry("Slice", Set.of(0, 1, 2, 3, 4)), Map.entry("Cast", Set.of(0)));

    private static final Map<String, String> OUTCOMES = new TreeMap<>();

    @TestFactory
    Stream<DynamicTest> backendNodeTests() throws IOException {
        if (!Files.isDirectory(ROOT.resolve("node"))) {
            String why = "ONNX backend test data missing at " + ROOT + " (apt-get install libonnx-testdata)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.assumeTrue(false, why);
        }
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> all = new ArrayList<>();
        for (String suite : SUITES) {
            try (Stream<Path> dirs = Files.list(ROOT.resolve(suite))) {
                all.addAll(dirs.sorted().toList());
            }
        }
        for (Path dir : all) {
            if (!Files.isRegularFile(dir.resolve("model.onnx"))) {
                continue;
            }
            String name = dir.getParent().getFileName() + "/" + dir.getFileName();
            ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
            Set<String> unsupported = new TreeSet<>();
            for (NodeProto n : model.getGraph().getNodeList()) {
                boolean defaultDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
                if (!defaultDomain || !OnnxOps.TABLE.containsKey(n.getOpType())) {
                    unsupported.add(n.getOpType());
                }
            }
            if (!unsupported.isEmpty()) {
                tests.add(DynamicTest.dynamicTest(name + " refused (" + unsupported + ")",
                        () -> refused(name, dir, model, "operator not supported: " + String.join(", ", unsupported))));
            } else if (EXCLUDED.containsKey(name)) {
                tests.add(DynamicTest.dynamicTest(name + " refused (excluded)",
                        () -> refused(name, dir, model, "excluded: " + EXCLUDED.get(name))));
            } else {
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    try {
                        runs(name, dir, model);
                    } catch (Throwable e) {
                        record(name, "FAILED    " + e.getMessage());
                        throw e;
                    }
                }));
            }
        }
        return tests.stream();
    }

    private static void refused(String name, Path dir, ModelProto model, String why) throws IOException {
        Path set = firstDataSet(dir);
        Path file = freeze(model, set, name);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxImporter.load(file),
                name + " (" + why + ") was imported instead of refused");
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        record(name, "refused   " + why + " -> " + e.getMessage().substring(file.toString().length() + 2));
    }

    private static void runs(String name, Path dir, ModelProto model) throws IOException {
        List<Path> sets;
        try (Stream<Path> s = Files.list(dir)) {
            sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
        }
        assertTrue(!sets.isEmpty(), name + " has no data set");
        double worst = 0;
        for (Path set : sets) {
            Path file = freeze(model, set, name);
            Graph g = OnnxImporter.load(file);
            Map<String, INDArray> feeds = new HashMap<>();
            List<ValueInfoProto> declared = model.getGraph().getInputList();
            for (int i = 0; i < declared.size(); i++) {
                String input = declared.get(i).getName();
                if (g.isInput(input)) {
                    feeds.put(input, tensor(set.resolve("input_" + i + ".pb")));
                }
            }
            Map<String, INDArray> out = g.run(feeds, g.outputs());
            List<ValueInfoProto> outputs = model.getGraph().getOutputList();
            for (int i = 0; i < outputs.size(); i++) {
                INDArray expected = tensor(set.resolve("output_" + i + ".pb"));
                INDArray actual = out.get(outputs.get(i).getName());
                assertArrayEquals(expected.shape(), actual.shape(), name + " output " + i + " shape");
                worst = Math.max(worst, check(name + " output " + i, actual, expected));
            }
        }
        record(name, String.format("passed    max |diff| / (atol + rtol |e|) = %.3g", worst));
    }

    /** Elementwise allclose; returns the largest ratio of the error to its allowance (<= 1 passes). */
    private static double check(String what, INDArray actual, INDArray expected) {
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double allowed = ATOL + RTOL * Math.abs(e[i]);
            double ratio = Math.abs(a[i] - e[i]) / allowed;
            if (!(ratio <= 1) && !(Double.isInfinite(e[i]) && a[i] == e[i])) {
                fail(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (rtol " + RTOL + ", atol " + ATOL + ")");
            }
            worst = Math.max(worst, Double.isNaN(ratio) ? 0 : ratio);
        }
        return worst;
    }

    private static INDArray tensor(Path pb) throws IOException {
        return OnnxTensors.read(TensorProto.parseFrom(Files.readAllBytes(pb)), pb.getParent());
    }

    private static Path firstDataSet(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().findFirst().orElseThrow();
        }
    }

    /** The model with the inputs listed in {@link #FROZEN} turned into initializers holding this data set's values. */
    private static Path freeze(ModelProto model, Path set, String name) throws IOException {
        GraphProto g = model.getGraph();
        Set<String> frozen = new TreeSet<>();
        for (NodeProto n : g.getNodeList()) {
            for (int i : FROZEN.getOrDefault(n.getOpType(), Set.of())) {
                if (i < n.getInputCount() && !n.getInput(i).isEmpty()) {
                    frozen.add(n.getInput(i));
                }
            }
        }
        GraphProto.Builder b = g.toBuilder().clearInput();
        for (int i = 0; i < g.getInputCount(); i++) {
            ValueInfoProto in = g.getInput(i);
            if (frozen.contains(in.getName()) && g.getInitializerList().stream().noneMatch(t -> t.getName().equals(in.getName()))) {
                TensorProto t = TensorProto.parseFrom(Files.readAllBytes(set.resolve("input_" + i + ".pb")));
                b.addInitializer(t.toBuilder().setName(in.getName()));
            } else {
                b.addInput(in);
            }
        }
        Path dir = Files.createDirectories(Path.of("target", "onnx-conformance", name));
        Path file = dir.resolve(set.getFileName() + ".onnx").toAbsolutePath();
        Files.write(file, model.toBuilder().setGraph(b).build().toByteArray());
        return file;
    }

    private static synchronized void record(String name, String outcome) {
        OUTCOMES.put(name, outcome);
    }

    @AfterAll
    static void report() {
        if (OUTCOMES.isEmpty()) {
            return;
        }
        Map<String, Long> counts = OUTCOMES.values().stream()
                .collect(Collectors.groupingBy(o -> o.substring(0, o.indexOf(' ')), LinkedHashMap::new, Collectors.counting()));
        StringBuilder s = new StringBuilder("ONNX backend tests (" + ROOT + "): " + counts + "\n");
        OUTCOMES.forEach((test, outcome) -> s.append(test).append("  ").append(outcome).append('\n'));
        try {
            Files.writeString(Path.of("target", "onnx-conformance.txt"), s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("ONNX conformance: " + counts + " (details in target/onnx-conformance.txt)");
        List<String> ran = OUTCOMES.entrySet().stream().filter(e -> !e.getValue().startsWith("refused")).map(Map.Entry::getKey).toList();
        System.out.println("ran: " + ran);
    }
}
