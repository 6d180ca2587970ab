package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * LayerCAM (Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for
 * Localization", IEEE TIP 2021): every position of every feature map weighted by its own positive
 * gradient, so that layers early in the network, whose gradients vary from place to place, give
 * usable maps.
 * <pre>
 *   w_kij = relu(dScore/dA_kij)                              (eq. 5)
 *   raw   = relu(sum_k w_k (.) A_k),  map = bilinear(raw)    (eqs. 6-7)
 * </pre>
 * At a layer that feeds global average pooling and a linear layer the gradient is constant over
 * positions, and LayerCAM equals Grad-CAM with positive gradients. Cost: one forward pass and a
 * backward pass that stops at the layer. The result has no channel weights ({@code weights()} is
 * null).
 */
public final class LayerCam implements Explainer<CamResult> {
    private final String layer;

    /** {@code layer}: a node name or alias, or null for the input of the last global pooling. */
    public LayerCam(String layer) {
        this.layer = layer;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        return HiResCam.elementwise(graph, x, target, layer, "LayerCAM", true);
    }
}
