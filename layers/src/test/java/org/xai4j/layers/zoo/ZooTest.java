package org.xai4j.layers.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Linear;

/** Structure of the zoo: parameter counts against torchvision and Keras, names, seeding. */
class ZooTest {

    /**
     * Parameters as torchvision's {@code sum(p.numel() for p in model.parameters())} and Keras's
     * trainable count see them: weights, biases, batch-norm scale and shift, but not the running
     * mean and variance (buffers, not parameters).
     */
    static long trainableParameters(Graph g) {
        long n = 0;
        for (Node node : g.nodes()) {
            if (node.layer() instanceof Conv2d c) {
                n += c.weight().length() + (c.bias() == null ? 0 : c.bias().length());
            } else if (node.layer() instanceof Linear l) {
                n += l.weight().length() + (l.bias() == null ? 0 : l.bias().length());
            } else if (node.layer() instanceof BatchNorm2d bn) {
                n += bn.gamma().length() + bn.beta().length();
            }
        }
        return n;
    }

    // Built once: ResNet-50 alone draws 25 million seeded Gaussians.
    private static Graph r18, r50, v1, v2;

    @BeforeAll
    static void build() {
        r18 = ResNet.resnet18(1);
        r50 = ResNet.resnet50(1);
        v1 = MobileNet.v1(1, 1.0);
        v2 = MobileNet.v2(1);
    }

    @Test
    void parameterCountsEqualTheReferenceImplementations() {
        assertEquals(11_689_512L, trainableParameters(r18));
        assertEquals(25_557_032L, trainableParameters(r50));
        assertEquals(3_504_872L, trainableParameters(v2));
        assertEquals(4_231_976L, trainableParameters(v1));
    }

    @Test
    void namesFollowTorchvisionAndKeras() {
        for (String name : List.of("conv1", "bn1", "relu", "maxpool", "layer1.0.conv1", "layer1.1.bn2",
                "layer2.0.downsample.0", "layer2.0.downsample.1", "layer4.1.relu_1", "avgpool", "fc")) {
            r18.node(name);
        }
        assertEquals("layer4.1.relu_1", r18.resolve("layer4"));
        assertEquals("layer3.0.relu_1", r18.resolve("layer3.0"));
        assertEquals("fc", r18.resolve("logits"));
        assertEquals(List.of("fc"), r18.outputs());
        assertEquals("layer4.2.relu_2", r50.resolve("layer4"));
        r50.node("layer1.0.downsample.0");
        r50.node("layer3.5.conv3");

        for (String name : List.of("features.0.0", "features.1.conv.0.0", "features.1.conv.1", "features.1.conv.2",
                "features.2.conv.0.0", "features.2.conv.1.0", "features.2.conv.3", "features.18.2", "classifier.1")) {
            v2.node(name);
        }
        assertEquals("features.18.2", v2.resolve("features.18"));
        assertEquals("features.3.add", v2.resolve("features.3"));
        assertEquals("features.2.conv.3", v2.resolve("features.2"));
        for (String name : List.of("conv1", "conv1_bn", "conv1_relu", "conv_pad_2", "conv_dw_1", "conv_pw_13_relu",
                "global_average_pooling2d", "conv_preds", "reshape_2")) {
            v1.node(name);
        }
        assertEquals("conv_pw_13_relu", v1.resolve("features"));
    }

    @Test
    void depthwiseConvolutionsHaveOneInputChannelPerGroup() {
        Conv2d dw = (Conv2d) v2.node("features.2.conv.1.0").layer();
        assertEquals(96, dw.spec().groups());
        assertArrayEquals(new long[] {96, 1, 3, 3}, dw.weight().shape());
        Conv2d v1dw = (Conv2d) MobileNet.v1(1, 0.5).node("conv_dw_13").layer();
        assertArrayEquals(new long[] {512, 1, 3, 3}, v1dw.weight().shape());
    }

    @Test
    void weightsAreSeeded() {
        INDArray a = ((Conv2d) MobileNet.v1(7, 0.25).node("conv_pw_13").layer()).weight();
        INDArray b = ((Conv2d) MobileNet.v1(7, 0.25).node("conv_pw_13").layer()).weight();
        INDArray c = ((Conv2d) MobileNet.v1(8, 0.25).node("conv_pw_13").layer()).weight();
        assertEquals(a, b);
        assertTrue(!a.equals(c));
        assertEquals(DataType.FLOAT, a.dataType());
        assertArrayEquals(new long[] {256, 256, 1, 1}, a.shape());
        // He initialisation: std = sqrt(2 / fan_in) with fan_in = 256; 65k samples estimate it to ~0.3%.
        assertEquals(Math.sqrt(2.0 / 256), a.stdNumber().doubleValue(), 0.02 * Math.sqrt(2.0 / 256));
        Map<String, INDArray> none = r18.node("relu").layer().parameters();
        assertTrue(none.isEmpty());
    }
}
