package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.testing.Shared;

/**
 * The CAM-family arithmetic (channel weights, weighted sum, bilinear upsampling) against hand
 * computed cases and against the oracle's PyTorch float64 results, fed with the oracle's own
 * activations and gradients (act_* and actgrad_*): no network involved.
 */
class CamMathTest {

    @Test
    void upsamplingTwoByTwoToFourByFourByHand() {
        // in/out = 0.5: src = (d + 0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper neighbour clamped);
        // along an axis [a, b] -> [a, 0.75a + 0.25b, 0.25a + 0.75b, b].
        INDArray x = Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {1, 2, 2}, DataType.DOUBLE);
        double[][] expected = {
            {1.0, 1.25, 1.75, 2.0},
            {1.5, 1.75, 2.25, 2.5},
            {2.5, 2.75, 3.25, 3.5},
            {3.0, 3.25, 3.75, 4.0}};
        INDArray y = Upsampling.bilinear(x, 4, 4);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(expected[i][j], y.getDouble(0, i, j), 0, "(" + i + "," + j + ")");
            }
        }
    }

    @Test
    void downsamplingThreeToTwoByHand() {
        // in/out = 1.5: src = 0.25 -> 0.75 x0 + 0.25 x1 ; src = 1.75 -> 0.25 x1 + 0.75 x2.
        INDArray x = Nd4j.create(new double[] {0, 4, 8, 12, 16, 20, 24, 28, 32}, new long[] {1, 3, 3}, DataType.DOUBLE);
        INDArray y = Upsampling.bilinear(x, 2, 2);
        // rows: 0.75*[0,4,8] + 0.25*[12,16,20] = [3,7,11]; 0.25*[12,16,20] + 0.75*[24,28,32] = [21,25,29]
        // then columns the same way: [4, 10], [22, 28]
        assertEquals(Nd4j.create(new double[] {4, 10, 22, 28}, new long[] {1, 2, 2}, DataType.DOUBLE), y);
    }

    /**
     * The oracle's maps are float32 roundings of float64 results (relative 6e-8): 1e-6 of the
     * largest value covers that with margin (measured: at most 1.1e-7).
     */
    @Test
    void upsamplingMatchesPyTorchOnTheOracleMaps() {
        String[][] cases = {
            {"tiny", "gradcam_relu3", "32"}, {"tiny", "gradcam_block_out", "32"}, {"tiny", "gradcampp_relu3", "32"},
            {"resnet18", "gradcam_layer4", "224"}, {"resnet18", "gradcam_layer3", "224"},
            {"mobilenet_v2", "gradcampp_features_last", "224"}};
        for (String[] c : cases) {
            INDArray map = oracle(c[0], c[1]);
            INDArray expected = oracle(c[0], c[1] + "_up");
            int size = Integer.parseInt(c[2]);
            INDArray up = Upsampling.bilinear(map.reshape(1, map.size(0), map.size(1)), size, size);
            Close.assertClose(c[0] + "/" + c[1] + "_up", expected.reshape(1, size, size), up, 1e-6, 0);
        }
    }

    /**
     * Grad-CAM and Grad-CAM++ from the oracle's A and dy/dA. Tolerance: A and g are float32
     * roundings (relative 6e-8 each) summed in double over up to 1280 channels; measured at most
     * 7e-8 of the largest value, so 1e-6 leaves margin and still catches a formula slip (on
     * resnet18 layer4 g^2 is about eps, so a misplaced eps changes the weights at order 1).
     */
    @Test
    void channelWeightsMatchPyTorchOnTheOracleActivations() {
        String[][] cases = {
            {"tiny", "relu3"}, {"tiny", "block_out"}, {"resnet18", "layer4"}, {"resnet18", "layer3"}, {"mobilenet_v2", "features_last"}};
        for (String[] c : cases) {
            INDArray A = oracle(c[0], "act_" + c[1]).castTo(DataType.DOUBLE);
            INDArray g = oracle(c[0], "actgrad_" + c[1]).castTo(DataType.DOUBLE);
            INDArray cam = Transforms.relu(ChannelWeights.weightedSum(A, ChannelWeights.meanGradient(A, g)), false);
            INDArray expected = oracle(c[0], "gradcam_" + c[1]);
            Close.assertClose(c[0] + "/gradcam_" + c[1], expected.reshape(cam.shape()), cam, 1e-6, 0);
            if (!c[1].equals("block_out") && !c[1].equals("layer3")) {
                INDArray pp = Transforms.relu(ChannelWeights.weightedSum(A, ChannelWeights.gradCamPlusPlus(A, g)), false);
                INDArray expectedPp = oracle(c[0], "gradcampp_" + c[1]);
                Close.assertClose(c[0] + "/gradcampp_" + c[1], expectedPp.reshape(pp.shape()), pp, 1e-6, 0);
            }
        }
    }

    /**
     * Grad-CAM++ against a literal transcription of pytorch-grad-cam's get_cam_weights (numpy
     * broadcasting spelled out as loops, np.where(grads != 0, aij, 0) included) on random data
     * whose gradients are as small as a ResNet's last block, so that eps matters.
     */
    @Test
    void gradCamPlusPlusMatchesALiteralTranscription() {
        INDArray A = Transforms.relu(TestNets.input(41, DataType.DOUBLE, 2, 5, 3, 4), false);
        INDArray g = TestNets.input(42, DataType.DOUBLE, 2, 5, 3, 4).muli(1e-3);
        g.putScalar(new long[] {0, 1, 2, 3}, 0.0);
        double[][][][] a = new double[2][5][3][4];
        double[][][][] gr = new double[2][5][3][4];
        for (int n = 0; n < 2; n++) for (int k = 0; k < 5; k++) for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
            a[n][k][i][j] = A.getDouble(n, k, i, j);
            gr[n][k][i][j] = g.getDouble(n, k, i, j);
        }
        INDArray w = ChannelWeights.gradCamPlusPlus(A, g);
        double eps = 0.000001;
        for (int n = 0; n < 2; n++) {
            for (int k = 0; k < 5; k++) {
                double sumActivations = 0;
                for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) sumActivations += a[n][k][i][j];
                double weight = 0;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        double grads = gr[n][k][i][j];
                        double gradsPower2 = Math.pow(grads, 2);
                        double gradsPower3 = Math.pow(grads, 3);
                        double aij = gradsPower2 / (2 * gradsPower2 + sumActivations * gradsPower3 + eps);
                        aij = grads != 0 ? aij : 0;
                        weight += Math.max(grads, 0) * aij;
                    }
                }
                assertEquals(weight, w.getDouble(n, k), 1e-12 * Math.abs(weight) + 1e-300, "n=" + n + " k=" + k);
            }
        }
    }

    @Test
    void positiveGradientWeightsIgnoreNegativeGradients() {
        INDArray A = Nd4j.ones(DataType.DOUBLE, 1, 2, 1, 2);
        INDArray g = Nd4j.create(new double[] {1, -3, -1, -1}, new long[] {1, 2, 1, 2}, DataType.DOUBLE);
        assertEquals(Nd4j.create(new double[][] {{-1, -1}}), ChannelWeights.meanGradient(A, g));
        assertEquals(Nd4j.create(new double[][] {{0.5, 0}}), ChannelWeights.meanPositiveGradient(A, g));
    }

    static INDArray oracle(String model, String name) {
        return Npy.read(Shared.require("oracle/" + model + "/" + name + ".npy"));
    }
}
