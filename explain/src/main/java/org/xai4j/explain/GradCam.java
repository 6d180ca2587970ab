package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
 * Gradient-based Localization", ICCV 2017): the layer's feature maps weighted by how much the
 * score grows with each channel.
 * <pre>
 *   alpha_k = (1/hw) sum_ij dScore/dA_kij       A = activation at the layer [N, K, h, w]
 *   raw     = relu(sum_k alpha_k A_k)           [N, h, w]
 *   map     = bilinear(raw) to the input size   [N, H, W]
 * </pre>
 * Cost: one forward pass and a backward pass that stops at the layer. Other channel weightings
 * plug in: {@link #positiveGradients}, {@link #plusPlus} (Grad-CAM++).
 */
public final class GradCam implements Explainer<CamResult> {
    private final String layer;
    private final ChannelWeights.Weighting weighting;

    /** {@code layer}: a node name or alias, or null for the input of the last global pooling ({@link Head#featureMaps}). */
    public GradCam(String layer, ChannelWeights.Weighting weighting) {
        this.layer = layer;
        this.weighting = weighting;
    }

    /** Grad-CAM with the paper's weights, the mean gradient of each channel. */
    public static GradCam of(String layer) {
        return new GradCam(layer, ChannelWeights::meanGradient);
    }

    /** Grad-CAM weighting each channel by the mean of its positive gradients only. */
    public static GradCam positiveGradients(String layer) {
        return new GradCam(layer, ChannelWeights::meanPositiveGradient);
    }

    /** Grad-CAM++ (Chattopadhay et al., WACV 2018), closed form of {@link ChannelWeights#gradCamPlusPlus}. */
    public static GradCam plusPlus(String layer) {
        return new GradCam(layer, ChannelWeights::gradCamPlusPlus);
    }

    public String layer() {
        return layer;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "Grad-CAM");
        String name = Head.of(graph).featureMapsAt(graph, layer, "Grad-CAM");
        ActivationGradient r = ActivationGradient.record(graph, x, target, name);
        INDArray A = r.activation();
        NdArrays.require4d(A, "the activation at '" + name + "'", "Grad-CAM");
        INDArray weights = weighting.weights(A, r.gradient());
        CamResult cam = CamResult.weighted(A, weights, (int) x.size(2), (int) x.size(3), name, r.scores());
        NdArrays.close(A == x ? null : A, r.gradient());
        return cam;
    }
}
