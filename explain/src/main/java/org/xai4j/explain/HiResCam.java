package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;

/**
 * HiResCAM (Draelos and Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of
 * convolutional neural networks", 2020): the gradient times the activation at every position,
 * summed over channels, where Grad-CAM first averages the gradient over positions.
 * <pre>
 *   raw = relu(sum_k dScore/dA_k (.) A_k)     [N, h, w]   (elementwise product)
 *   map = bilinear(raw)                       [N, H, W]
 * </pre>
 * The paper's map is the sum; the ReLU keeps the family's convention (positive evidence only).
 * When the layer feeds global average pooling and a linear layer, the gradient is constant over
 * positions and HiResCAM equals Grad-CAM. Cost: one forward pass and a backward pass that stops
 * at the layer. The result has no channel weights ({@code weights()} is null).
 */
public final class HiResCam implements Explainer<CamResult> {
    private final String layer;

    /** {@code layer}: a node name or alias, or null for the input of the last global pooling. */
    public HiResCam(String layer) {
        this.layer = layer;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        return elementwise(graph, x, target, layer, "HiResCAM", false);
    }

    /** {@code relu(sum_k G_k (.) A_k)} with {@code G = g} or, for LayerCAM, {@code relu(g)}. */
    static CamResult elementwise(Graph graph, INDArray x, Target target, String layer, String method, boolean positive) {
        NdArrays.require4d(x, "an input", method);
        String name = Head.of(graph).featureMapsAt(graph, layer, method);
        ActivationGradient r = ActivationGradient.record(graph, x, target, name);
        INDArray A = r.activation();
        NdArrays.require4d(A, "the activation at '" + name + "'", method);
        INDArray G = positive ? Transforms.relu(r.gradient(), true) : r.gradient();
        INDArray raw = Transforms.relu(ChannelWeights.positionWeightedSum(A, G), false);
        NdArrays.close(A == x ? null : A, r.gradient(), G == r.gradient() ? null : G);
        return new CamResult(Upsampling.bilinear(raw, (int) x.size(2), (int) x.size(3)), raw, null, name, r.scores());
    }
}
