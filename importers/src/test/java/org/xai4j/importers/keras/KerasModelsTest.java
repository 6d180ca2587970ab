package org.xai4j.importers.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.importers.Models;
import org.xai4j.layers.Softmax;
import org.xai4j.testing.Shared;

/** The three real Keras files of ../shared/assets import, with Keras's names and an NCHW input. */
class KerasModelsTest {

    static Graph load(String file) {
        Path h5 = Shared.require(file);
        long t0 = System.nanoTime();
        Graph g = KerasImporter.load(h5);
        System.out.printf("[keras import] %s: %.0f ms (one measurement on a shared machine)%n",
                h5.getFileName(), (System.nanoTime() - t0) / 1e6);
        return g;
    }

    private static void assertSoftmaxOf(Graph g, String logits) {
        assertInstanceOf(Softmax.class, g.node(g.outputs().get(0)).layer());
        assertEquals(logits, g.node(g.outputs().get(0)).inputs().get(0));
    }

    /**
     * Keras 2.1.4 Functional "Model", imported as the file has it: a 1x1 convolution gives the
     * logits [N, K, 1, 1], a softmax over channels, then a Reshape to [N, K] (finding the logits
     * behind that reshape is the explain module's Head, not the importer's business).
     */
    @Test
    void mobileNetV1() {
        Graph g = load("assets/models/mobilenet_v1_0.75_224_imagenet.h5");
        assertArrayEquals(new long[] {-1, 3, 224, 224}, g.inputs().get(0).shape());
        assertEquals("reshape_2", g.outputs().get(0));
        Node softmax = g.node(g.node("reshape_2").inputs().get(0));
        assertInstanceOf(Softmax.class, softmax.layer());
        assertEquals("act_softmax", softmax.name());
        assertEquals("conv_preds", softmax.inputs().get(0));
        assertEquals("conv_pw_13_relu", g.node("conv_pw_13_relu").name());
        // 27 batch norms folded into their convolutions: 87 nodes become 60.
        assertEquals(60, g.nodes().size());
    }

    /** Through the format-sniffing entry point every user calls. */
    @Test
    void mobileNetV2ThroughModelsLoad() {
        Graph g = Models.load(Shared.require("assets/models/mobilenet_v2_1.0_224_imagenet.h5"));
        assertArrayEquals(new long[] {-1, 3, 224, 224}, g.inputs().get(0).shape());
        assertSoftmaxOf(g, "Logits");
        g.node("Conv_1_relu6");
    }

    /** Sequential[Sequential[Functional MobileNetV2, pooling], Sequential[Dense, Dense]]. */
    @Test
    void teachableMachineNestedModels() {
        Graph g = load("assets/models/teachable_machine_catdog/keras_model.h5");
        assertArrayEquals(new long[] {-1, 3, 224, 224}, g.inputs().get(0).shape());
        assertSoftmaxOf(g, "dense_Dense2.preact");
        g.node("out_relu");
        assertEquals("out_relu", g.resolve("model1"), "a nested model's name is its output");
        assertEquals("dense_Dense2", g.resolve("sequential_3"));
        assertEquals(g.inputs().get(0).name(), g.resolve("input_1"), "inner InputLayers are the outer input");
    }

    /**
     * Deeplearning4j's own converter imports this one file (and fails on the other two): a second,
     * independent implementation of the same Keras semantics. Agreement to 1e-5 absolute in
     * probability: both compute in float32 in a different order (measured: a few 1e-7).
     */
    @Test
    void mobileNetV2AgreesWithDeeplearning4j() throws Exception {
        Graph g = load("assets/models/mobilenet_v2_1.0_224_imagenet.h5");
        ComputationGraph dl4j = KerasModelImport.importKerasModelAndWeights(
                Shared.require("assets/models/mobilenet_v2_1.0_224_imagenet.h5").toString(), false);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224).muli(2).subi(1);
        INDArray ours = g.predict(x);
        // Deeplearning4j keeps Keras's channels-last input.
        INDArray theirs = dl4j.outputSingle(x.permute(0, 2, 3, 1).dup('c'));
        double diff = Transforms.abs(ours.castTo(DataType.DOUBLE).sub(theirs.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
        System.out.printf("[keras vs deeplearning4j] MOBILENET_V2: max |p - p_dl4j| = %.3g on 2 random inputs%n", diff);
        assertTrue(diff < 1e-5, "differs from Deeplearning4j by " + diff);
        assertEquals(theirs.argMax(1), ours.argMax(1));
    }
}
