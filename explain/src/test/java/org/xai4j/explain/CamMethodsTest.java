package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Tape;
import org.xai4j.engine.Node;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.Linear;

/**
 * The CAM family on a miniature ResNet in double precision ({@link TestNets#cnn}): identities
 * between methods, the truncated backward, and errors. "Equal" means to 1e-12 relative: these
 * are the same few thousand double operations in a different order.
 */
class CamMethodsTest {
    private static final Graph CNN = TestNets.cnn(3, DataType.DOUBLE);
    private static final INDArray X = TestNets.input(51, DataType.DOUBLE, 2, 3, 12, 12);
    private static final double EQUAL = 1e-12;

    /** With GAP then a linear layer after A, dy_c/dA_kij = W[c,k]/(h*w) everywhere (oracle self-check 4). */
    @Test
    void gradCamAtTheNodeFeedingPoolingAndLinearIsReluOfCamOverHw() {
        CamResult cam = Cam.of("features").explain(CNN, X);
        CamResult grad = GradCam.of("features").explain(CNN, X);
        assertTrue(cam.raw().minNumber().doubleValue() < 0 && cam.raw().maxNumber().doubleValue() > 0, "CAM should have both signs here");
        Close.assertClose("Grad-CAM raw", Transforms.relu(cam.raw(), true).divi(36), grad.raw(), EQUAL, 0);
        Close.assertClose("Grad-CAM map", cam.map().div(36), grad.map(), EQUAL, 0);
        assertEquals(12, grad.map().size(2));
    }

    /** Keras MobileNet's head: GAP, reshape, then a 1x1 convolution as the classifier. */
    @Test
    void aOneByOneConvolutionHeadIsALinearClassifierForCam() {
        Linear fc = (Linear) CNN.node("logits").layer();
        List<Node> nodes = new ArrayList<>(CNN.nodes().stream().filter(n -> !n.name().equals("flat") && !n.name().equals("logits")).toList());
        nodes.add(Node.of("head", new Conv2d(fc.weight().reshape(5, 6, 1, 1), fc.bias(), ConvSpec.DEFAULT), "gap"));
        nodes.add(Node.of("logits", new Flatten(1), "head"));
        Graph convHead = new Graph(CNN.inputs(), nodes, List.of("logits"));
        Close.assertClose("CAM with a 1x1 conv head", Cam.of("features").explain(CNN, X).raw(),
                Cam.of("features").explain(convHead, X).raw(), EQUAL, 0);
    }

    @Test
    void camAveragesToTheLogitMinusTheBias() {
        CamResult cam = Cam.of("features").explain(CNN, X, Target.perRow(4, 1));
        INDArray logits = CNN.predict(X);
        INDArray bias = ((Linear) CNN.node("logits").layer()).bias();
        int[] classes = {4, 1};
        for (int row = 0; row < 2; row++) {
            double mean = cam.raw().slice(row).meanNumber().doubleValue();
            assertEquals(logits.getDouble(row, classes[row]), mean + bias.getDouble(classes[row]), 1e-12);
            assertEquals(logits.getDouble(row, classes[row]), cam.scores().valueOf(row), 0);
        }
    }

    /** CAM is linear in the seed: a weighted target gives the weighted sum of single-class maps. */
    @Test
    void camOfAWeightedTargetIsTheWeightedSumOfCams() {
        INDArray a = Cam.of("features").explain(CNN, X, Target.of(0)).raw();
        INDArray b = Cam.of("features").explain(CNN, X, Target.of(3)).raw();
        INDArray both = Cam.of("features").explain(CNN, X, Target.weighted(new int[] {0, 3}, new double[] {2, -0.5})).raw();
        Close.assertClose("weighted CAM", a.mul(2).subi(b.mul(0.5)), both, EQUAL, 0);
    }

    @Test
    void backwardStopsAtTheLayer() {
        assertEquals(Set.of("logits", "flat", "gap"), backwardNodesOf(GradCam.of("features")));
        assertEquals(Set.of("logits", "flat", "gap", "features", "conv4"), backwardNodesOf(GradCam.of("block")));
    }

    private static Set<String> backwardNodesOf(Explainer<?> e) {
        Set<String> ran = new TreeSet<>();
        e.explain(Spied.graph(CNN, ran), X);
        return ran;
    }

    /**
     * Grad-CAM and Grad-CAM++ at an inner layer (non-uniform gradients) from a full, untruncated
     * backward pass to the input, then the formulas written out: the truncated pass must give
     * the same gradient at the layer.
     */
    @Test
    void gradCamFamilyAtAnInnerLayerMatchesTheFormulasOnAFullBackwardPass() {
        int[] classes = {2, 2};
        INDArray A;
        INDArray g;
        try (Tape tape = CNN.forward(X)) {
            INDArray seed = Nd4j.zeros(DataType.DOUBLE, 2, 5);
            seed.putScalar(0, 2, 1.0);
            seed.putScalar(1, 2, 1.0);
            A = tape.value("block").dup();
            g = tape.backward("logits", seed, List.of("block", "input")).get("block");
        }
        double[][][][] a = array(A);
        double[][][][] d = array(g);
        double[][][] camExpected = new double[2][6][6];
        double[][][] ppExpected = new double[2][6][6];
        double[][][] posExpected = new double[2][6][6];
        for (int n = 0; n < 2; n++) {
            for (int k = 0; k < 4; k++) {
                double mean = 0;
                double positive = 0;
                double sumA = 0;
                for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) {
                    mean += d[n][k][i][j] / 36;
                    positive += Math.max(d[n][k][i][j], 0) / 36;
                    sumA += a[n][k][i][j];
                }
                double pp = 0;
                for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) {
                    double gij = d[n][k][i][j];
                    double alpha = gij == 0 ? 0 : gij * gij / (2 * gij * gij + sumA * gij * gij * gij + 1e-6);
                    pp += Math.max(gij, 0) * alpha;
                }
                for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) {
                    camExpected[n][i][j] += mean * a[n][k][i][j];
                    posExpected[n][i][j] += positive * a[n][k][i][j];
                    ppExpected[n][i][j] += pp * a[n][k][i][j];
                }
            }
        }
        Target t = Target.perRow(classes);
        Close.assertClose("Grad-CAM", relu(camExpected), GradCam.of("block").explain(CNN, X, t).raw(), EQUAL, 0);
        Close.assertClose("positive", relu(posExpected), GradCam.positiveGradients("block").explain(CNN, X, t).raw(), EQUAL, 0);
        Close.assertClose("Grad-CAM++", relu(ppExpected), GradCam.plusPlus("block").explain(CNN, X, t).raw(), EQUAL, 0);
        assertNotEquals(GradCam.of("block").explain(CNN, X, t).raw(), GradCam.positiveGradients("block").explain(CNN, X, t).raw());
    }

    @Test
    void guidedGradCamIsGuidedBackpropTimesUpsampledGradCam() {
        INDArray guided = new GuidedBackprop().explain(CNN, X).map();
        INDArray cam = GradCam.of("block").explain(CNN, X).map();
        INDArray expected = guided.mul(cam.reshape(2, 1, 12, 12));
        Close.assertClose("Guided Grad-CAM", expected, new GuidedGradCam("block").explain(CNN, X).map(), EQUAL, 0);
        // The block holds a ReLU6: restricting the rule to ReLU changes the result.
        assertNotEquals(guided, new GuidedBackprop(BackwardRules.Activations.RELU_ONLY).explain(CNN, X).map());
        assertNotEquals(guided, new Saliency().explain(CNN, X).map());
    }

    @Test
    void smoothGradCamPlusPlusWithOneNoiselessSampleIsGradCamPlusPlus() {
        CamResult pp = GradCam.plusPlus("block").explain(CNN, X);
        CamResult smooth = new SmoothGradCamPlusPlus("block", 1, 0, 1, 8).explain(CNN, X);
        Close.assertClose("raw", pp.raw(), smooth.raw(), EQUAL, 0);
        Close.assertClose("map", pp.map(), smooth.map(), EQUAL, 0);
        Close.assertClose("SmoothGrad around Grad-CAM", GradCam.of("block").explain(CNN, X).map(),
                new SmoothGrad(GradCam.of("block"), 1, 0, 1, 8).explain(CNN, X).map(), EQUAL, 0);
    }

    @Test
    void smoothGradCamPlusPlusDependsOnTheSeedNotOnTheBatchSize() {
        INDArray x1 = X.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
        Graph fixedBatch = new Graph(List.of(Graph.Input.of("input", 1, 3, 12, 12)), CNN.nodes(), CNN.outputs());
        Close.assertClose("fixed batch of 1", new SmoothGradCamPlusPlus("block", 3, 0.15, 9, 8).explain(CNN, x1).raw(),
                new SmoothGradCamPlusPlus("block", 3, 0.15, 9, 8).explain(fixedBatch, x1).raw(), EQUAL, 0);
        INDArray one = new SmoothGradCamPlusPlus("block", 5, 0.15, 9, 5).explain(CNN, X).raw();
        INDArray split = new SmoothGradCamPlusPlus("block", 5, 0.15, 9, 2).explain(CNN, X).raw();
        Close.assertClose("batch 5 vs 2", one, split, EQUAL, 0);
        assertNotEquals(one, new SmoothGradCamPlusPlus("block", 5, 0.15, 10, 5).explain(CNN, X).raw());
        assertNotEquals(one, GradCam.plusPlus("block").explain(CNN, X).raw());
    }

    /**
     * The same network in float32: the explainers run on float arrays end to end and agree with
     * double to float rounding amplified by a few layers (1e-5 relative).
     */
    @Test
    void floatNetworksGiveTheDoubleResultsToFloatPrecision() {
        Graph f = TestNets.cnn(3, DataType.FLOAT);
        INDArray xf = X.castTo(DataType.FLOAT);
        List<Explainer<?>> methods = new ArrayList<>(List.of(GradCam.of("block"), GradCam.plusPlus("features"), Cam.of("features"),
                new Saliency(), new GuidedBackprop(), IntegratedGradients.of(4)));
        for (Explainer<?> e : methods) {
            Explanation d = e.explain(CNN, X);
            Explanation s = e.explain(f, xf);
            assertEquals(DataType.FLOAT, s.map().dataType(), e.getClass().getSimpleName());
            Close.assertClose(e.getClass().getSimpleName(), d.map(), s.map(), 1e-5, 0);
        }
    }

    @Test
    void mistakesAreOneLineErrorsNamingWhatIsAccepted() {
        String unknown = assertThrows(IllegalArgumentException.class, () -> GradCam.of("blok").explain(CNN, X)).getMessage();
        assertTrue(unknown.startsWith("no node named 'blok'") && unknown.contains("block"), unknown);
        String notGap = assertThrows(IllegalArgumentException.class, () -> Cam.of("pool").explain(CNN, X)).getMessage();
        assertTrue(notGap.contains("CAM needs global average pooling then a linear layer") && notGap.contains("'conv2'")
                && notGap.contains("'add'"), notGap);
        Graph mlp = TestNets.mlp(5, 8, 16, 4);
        assertThrows(IllegalArgumentException.class, () -> Cam.of("relu1").explain(mlp, TestNets.input(1, DataType.DOUBLE, 1, 8)));
        String flat = assertThrows(IllegalArgumentException.class, () -> GradCam.of("flat").explain(CNN, X)).getMessage();
        assertTrue(flat.contains("'flat' comes after the last global pooling 'gap'") && flat.contains("'features'"), flat);
        String range = assertThrows(IllegalArgumentException.class, () -> GradCam.of("block").explain(CNN, X, Target.of(5))).getMessage();
        assertEquals("target class 5 is out of range: 'logits' has 5 classes (0..4)", range);
        for (String message : List.of(unknown, notGap, flat, range)) {
            assertTrue(!message.contains("\n"), message);
        }
    }

    private static INDArray relu(double[][][] v) {
        return Transforms.relu(Nd4j.create(v), false);
    }

    private static double[][][][] array(INDArray x) {
        double[][][][] out = new double[(int) x.size(0)][(int) x.size(1)][(int) x.size(2)][(int) x.size(3)];
        for (int n = 0; n < out.length; n++) for (int k = 0; k < out[0].length; k++)
            for (int i = 0; i < out[0][0].length; i++) for (int j = 0; j < out[0][0][0].length; j++) {
                out[n][k][i][j] = x.getDouble(n, k, i, j);
            }
        return out;
    }
}
