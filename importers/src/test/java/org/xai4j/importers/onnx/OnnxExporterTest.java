package org.xai4j.importers.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import onnx.Onnx.ModelProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorShapeProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;
import org.xai4j.engine.Node;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.Specialized;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * Export, then {@link OnnxImporter}: the same nodes under the same names with the same layer
 * types, and the same outputs. Weights travel as float32 exactly; the only value that changes
 * is a batch-norm epsilon, which an ONNX attribute stores in float32 (1e-5 becomes
 * 1e-5 (1 - 2.5e-8)), moving {@code 1 / sqrt(var + eps)} by about 1e-13 relative, far below one
 * float32 rounding. Measured: every output bit for bit equal; 1e-6 relative is the bound
 * asked for, so that a harmless change of summation order would not fail the test.
 */
class OnnxExporterTest {
    private static final double ROUND_TRIP = 1e-6;

    @TempDir
    Path dir;

    static Stream<Arguments> zoo() {
        return Stream.of(
                Arguments.of("resnet18", ResNet.resnet18(7)),
                Arguments.of("mobilenet_v1_0.25", MobileNet.v1(7, 0.25)),
                Arguments.of("mobilenet_v2", MobileNet.v2(7)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("zoo")
    void zooRoundTrip(String name, Graph graph) {
        Nd4j.getRandom().setSeed(11);
        roundTrip(name, graph, Nd4j.randn(DataType.FLOAT, 2, 3, 224, 224));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void everyLayerRoundTrip(long seed) {
        Graph graph = ExportGraphs.everyLayer(seed);
        long size = graph.inputs().get(0).shape()[2];
        Nd4j.getRandom().setSeed(seed);
        roundTrip("every layer, seed " + seed, graph, Nd4j.randn(DataType.FLOAT, 3, 3, size, size));
    }

    @Test
    void freeInputSizeRoundTrip() {
        Graph graph = ExportGraphs.freeSize(3);
        for (long[] hw : new long[][] {{17, 23}, {224, 224}}) {
            Nd4j.getRandom().setSeed(hw[0]);
            roundTrip("free size " + hw[0] + "x" + hw[1], graph, Nd4j.randn(DataType.FLOAT, 2, 3, hw[0], hw[1]));
        }
    }

    /** ONNX Runtime cannot run auto_pad SAME with dilations, so a dilated "same" window on a free input size is refused. */
    @Test
    void dilatedSameWindowNeedsAFixedInputSize() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 1, -1, -1)), List.of(Node.of("atrous",
                new org.xai4j.layers.Conv2d(Nd4j.ones(DataType.FLOAT, 1, 1, 3, 3), null,
                        org.xai4j.layers.ConvSpec.DEFAULT.withDilation(2).withPadding(org.xai4j.layers.Padding.SAME_UPPER)), "x")),
                List.of("atrous"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.export(g, Map.of()));
        assertTrue(e.getMessage().startsWith("node 'atrous' (Conv2d") && e.getMessage().contains("fixed"), e.getMessage());
        Graph fixed = new Graph(List.of(Graph.Input.of("x", -1, 1, 9, 9)), g.nodes(), g.outputs());
        OnnxChecks.check(OnnxExporter.export(fixed, Map.of()));
    }

    /** The test graphs cover the exporter's whole table, so a layer added to it must be added here. */
    @Test
    void everyLayerGraphCoversTheTable() {
        Set<String> used = new TreeSet<>();
        for (long seed = 1; seed <= 6; seed++) {
            ExportGraphs.everyLayer(seed).nodes().forEach(n -> used.add(n.layer().getClass().getSimpleName()));
        }
        assertEquals(new TreeSet<>(OnnxExporter.supported()), used);
    }

    private void roundTrip(String label, Graph graph, INDArray x) {
        ModelProto model = OnnxExporter.export(graph, Map.of());
        OnnxChecks.check(model);
        Path file = dir.resolve("model.onnx");
        OnnxExporter.write(graph, file, Map.of());
        Graph back = OnnxImporter.load(file, OnnxImporter.Options.DEFAULT.withFoldBatchNorm(false));

        // The importer hands over faster forms (Specialization); they stand for the same layers.
        Map<String, Class<?>> before = graph.nodes().stream().collect(Collectors.toMap(Node::name,
                n -> Specialization.reference(n.layer()).getClass()));
        Map<String, Class<?>> after = back.nodes().stream().collect(Collectors.toMap(Node::name,
                n -> Specialization.reference(n.layer()).getClass()));
        assertEquals(before, after, label + ": node names and layer types");
        assertEquals(graph.outputs(), back.outputs());
        assertEquals(graph.inputs().get(0).name(), back.inputs().get(0).name());
        assertEquals(java.util.Arrays.toString(graph.inputs().get(0).shape()), java.util.Arrays.toString(back.inputs().get(0).shape()));
        assertEquals(-1, back.inputs().get(0).shape()[0], "the batch stays free");

        Map<String, INDArray> expected = graph.run(Map.of(graph.inputs().get(0).name(), x), graph.outputs());
        Map<String, INDArray> actual = back.run(Map.of(back.inputs().get(0).name(), x), back.outputs());
        for (String out : graph.outputs()) {
            double rel = Fixtures.rel(actual.get(out), expected.get(out));
            boolean identical = actual.get(out).equals(expected.get(out));
            System.out.printf("round trip %s, %s: %s, rel %.3g%n", label, out, identical ? "bitwise equal" : "differs", rel);
            assertTrue(rel <= ROUND_TRIP, label + " " + out + ": relative difference " + rel);
        }
    }

    @Test
    void metadataAndProducer() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(OnnxExporter.PREPROCESS, "inception");
        metadata.put(OnnxExporter.LABELS, "circle\nsquare\ntriangle");
        ModelProto model = OnnxExporter.export(ExportGraphs.everyLayer(1), metadata);
        assertEquals("xai4j", model.getProducerName());
        assertTrue(model.getProducerVersion().matches("\\d+\\.\\d+\\.\\d+.*"), model.getProducerVersion());
        assertEquals(OnnxExporter.OPSET, model.getOpsetImport(0).getVersion());
        assertEquals(OnnxExporter.IR_VERSION, model.getIrVersion());
        Map<String, String> props = new HashMap<>();
        for (StringStringEntryProto p : model.getMetadataPropsList()) {
            props.put(p.getKey(), p.getValue());
        }
        assertEquals(metadata, props);
        assertTrue(model.getDocString().contains("inception"), model.getDocString());
        // The input's batch is symbolic, the rest fixed; the outputs' batch follows it.
        TensorShapeProto in = model.getGraph().getInput(0).getType().getTensorType().getShape();
        assertEquals("N", in.getDim(0).getDimParam());
        assertEquals(3, in.getDim(1).getDimValue());
        TensorShapeProto logits = model.getGraph().getOutput(0).getType().getTensorType().getShape();
        assertEquals("N", logits.getDim(0).getDimParam());
        assertEquals(5, logits.getDim(1).getDimValue());
    }

    @Test
    void nodeAndTensorNamesAreTheGraphsNames() {
        Graph graph = ResNet.resnet18(3);
        ModelProto model = OnnxExporter.export(graph, Map.of());
        assertEquals(graph.nodes().size(), model.getGraph().getNodeCount());
        for (int i = 0; i < graph.nodes().size(); i++) {
            assertEquals(graph.nodes().get(i).name(), model.getGraph().getNode(i).getName());
            assertEquals(List.of(graph.nodes().get(i).name()), model.getGraph().getNode(i).getOutputList());
        }
        long batchNorms = model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("BatchNormalization")).count();
        assertEquals(graph.nodes().stream().filter(n -> n.layer() instanceof BatchNorm2d).count(), batchNorms);
    }

    @Test
    void initializerNamesNeverShadowAValue() {
        // A node named like the weight initializer of another ("conv.weight") keeps its name; the initializer moves.
        Graph g = ExportGraphs.everyLayer(2);
        List<Node> nodes = new java.util.ArrayList<>(g.nodes());
        nodes.add(Node.of("conv1.weight", new ReLU(), "logits"));
        Graph clash = new Graph(g.inputs(), nodes, List.of("conv1.weight"));
        ModelProto model = OnnxExporter.export(clash, Map.of());
        OnnxChecks.check(model);
        assertTrue(model.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("conv1.weight_1")));
    }

    /** A layer the table does not know. */
    private static final class Doubling implements Layer<Void> {
        @Override
        public Forward<Void> forward(INDArray... x) {
            return Forward.of(x[0].mul(2), null);
        }

        @Override
        public Backward backward(Void cache, INDArray dy, Need need) {
            return Backward.of(dy.mul(2));
        }
    }

    /** A specialised layer that names its reference layer, as a faster kernel of an existing one does. */
    public static final class FastReLU implements Layer<ReLU.Cache>, Specialized<ReLU> {
        private final ReLU reference = new ReLU();

        @Override
        public ReLU reference() {
            return reference;
        }

        @Override
        public Forward<ReLU.Cache> forward(INDArray... x) {
            return reference.forward(x);
        }

        @Override
        public Backward backward(ReLU.Cache cache, INDArray dy, Need need) {
            return reference.backward(cache, dy, need);
        }
    }

    @Test
    void unsupportedLayerIsOneLineNamingTheNodeAndItsType() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 4)), List.of(Node.of("twice", new Doubling(), "x")), List.of("twice"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.export(g, Map.of()));
        System.out.println(e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().startsWith("node 'twice' (Doubling): layer Doubling cannot be exported to ONNX; supported: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("Conv2d"), e.getMessage());
    }

    @Test
    void weightsBeyondTwoGibibytesAreRefusedBeforeCopying() {
        Graph g = ExportGraphs.everyLayer(1);
        long weights = g.nodes().stream().flatMap(n -> n.layer().parameters().values().stream()).mapToLong(INDArray::length).sum();
        OnnxExporter.checkSize(g, weights);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.checkSize(g, weights - 1));
        assertTrue(e.getMessage().contains("at most 2 GiB") && e.getMessage().contains(weights + " weights"), e.getMessage());
        assertEquals(536_608_767L, OnnxExporter.MAX_WEIGHTS);
    }

    @Test
    void averagePoolingWithDilationIsRefusedAtOpset13() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 1, 8, 8)),
                List.of(Node.of("pool", new AvgPool2d(PoolSpec.of(2).withDilation(2, 2), false), "x")), List.of("pool"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.export(g, Map.of()));
        assertTrue(e.getMessage().startsWith("node 'pool' (AvgPool2d 2x2") && e.getMessage().contains("opset 13"), e.getMessage());
    }

    @Test
    void specialisedLayersAreWrittenAsTheirReference() {
        Graph g = new Graph(List.of(Graph.Input.of("x", -1, 4)), List.of(Node.of("fast", new FastReLU(), "x")), List.of("fast"));
        ModelProto model = OnnxExporter.export(g, Map.of());
        assertEquals("Relu", model.getGraph().getNode(0).getOpType());
        assertEquals("fast", model.getGraph().getNode(0).getName());
    }
}
