package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.Linear;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Softmax;

/** What {@link Head} reads from a graph, and the layers the CAM family refuses because of it. */
class HeadTest {
    private static final Graph CNN = TestNets.cnn(3, DataType.DOUBLE);
    private static final INDArray X = TestNets.input(51, DataType.DOUBLE, 2, 3, 12, 12);

    @Test
    void aPlainClassifier() {
        Head head = Head.of(CNN);
        assertEquals("logits", head.logits());
        assertNull(head.softmax());
        assertEquals("", head.note());
        assertEquals("gap", head.pooling());
        assertEquals("features", head.featureMaps());
        assertSame(((Linear) CNN.node("logits").layer()).weight(), head.classifier());
        assertEquals("", head.whyNoClassifier());
        assertTrue(head.preActivation(CNN));
    }

    /**
     * Keras MobileNet v1's head as its file has it: a 1x1 convolution, a softmax over channels,
     * then a reshape to [N, K]. The logits are the convolution's output behind both, and its
     * weights are CAM's classifier.
     */
    @Test
    void aSoftmaxFollowedByAReshape() {
        Linear fc = (Linear) CNN.node("logits").layer();
        List<Node> nodes = new ArrayList<>(CNN.nodes().stream().filter(n -> !n.name().equals("flat") && !n.name().equals("logits")).toList());
        nodes.add(Node.of("conv_preds", new Conv2d(fc.weight().reshape(5, 6, 1, 1), fc.bias(), ConvSpec.DEFAULT), "gap"));
        nodes.add(Node.of("act_softmax", new Softmax(1), "conv_preds"));
        nodes.add(Node.of("reshape_2", new Flatten(1), "act_softmax"));
        Graph keras = new Graph(CNN.inputs(), nodes, List.of("reshape_2"));
        Head head = Head.of(keras);
        assertEquals("conv_preds", head.logits());
        assertEquals("act_softmax", head.softmax());
        assertTrue(head.note().contains("'reshape_2' is a softmax") && head.note().contains("'conv_preds'"), head.note());
        assertEquals(List.of(5L, 6L), List.of(head.classifier().size(0), head.classifier().size(1)));
        // Explained at the logits, the maps are the plain classifier's.
        Close.assertClose("CAM behind softmax and reshape", Cam.of(null).explain(CNN, X).raw(), Cam.of(null).explain(keras, X).raw(), 1e-12, 0);
        Close.assertClose("Grad-CAM behind softmax and reshape", GradCam.of(null).explain(CNN, X).map(),
                GradCam.of(null).explain(keras, X).map(), 1e-12, 0);
        assertEquals(Head.of(CNN).preActivation(CNN), head.preActivation(keras));
    }

    @Test
    void theDefaultLayerIsTheInputOfTheLastGlobalPooling() {
        CamResult byDefault = GradCam.of(null).explain(CNN, X);
        assertEquals("features", byDefault.layer());
        Close.assertClose("default layer", GradCam.of("features").explain(CNN, X).map(), byDefault.map(), 0, 0);
    }

    /** "--layer input" used to give a Grad-CAM of the colour channels; each refusal says why, on one line. */
    @Test
    void layersWithoutFeatureMapsAreRefusedWithTheReason() {
        Head head = Head.of(CNN);
        String input = assertThrows(IllegalArgumentException.class, () -> GradCam.of("input").explain(CNN, X)).getMessage();
        assertTrue(input.contains("'input' is the model's input, not a layer's feature maps") && input.contains("Grad-CAM"), input);
        for (Explainer<?> e : List.of(Cam.of("input"), GradCam.plusPlus("input"), new GuidedGradCam("input"),
                new SmoothGradCamPlusPlus("input", 2, 0.1, 0, 2))) {
            assertThrows(IllegalArgumentException.class, () -> e.explain(CNN, X), e.getClass().getSimpleName());
        }
        String logits = assertThrows(IllegalArgumentException.class, () -> head.featureMapsAt(CNN, "logits", "Grad-CAM")).getMessage();
        assertTrue(logits.contains("is the logits") && logits.contains("'features'"), logits);
        List<Node> nodes = new ArrayList<>(CNN.nodes());
        nodes.add(1, Node.of("side", new ReLU(), "conv1"));
        Graph branch = new Graph(CNN.inputs(), nodes, CNN.outputs());
        String side = assertThrows(IllegalArgumentException.class, () -> Head.of(branch).featureMapsAt(branch, "side", "Grad-CAM")).getMessage();
        assertTrue(side.contains("'side' does not lead to the logits 'logits'"), side);
        for (String m : List.of(input, logits, side)) {
            assertFalse(m.contains("\n"), m);
        }
        assertEquals("block", head.featureMapsAt(CNN, "block", "Grad-CAM"));
    }

    @Test
    void noPoolingNoDefaultLayer() {
        Graph mlp = TestNets.mlp(5, 8, 16, 4);
        Head head = Head.of(mlp);
        assertNull(head.featureMaps());
        assertNull(head.classifier());
        String none = assertThrows(IllegalArgumentException.class, () -> head.featureMapsAt(mlp, null, "Grad-CAM")).getMessage();
        assertTrue(none.contains("no global pooling node") && none.contains("xai4j layers"), none);
    }
}
