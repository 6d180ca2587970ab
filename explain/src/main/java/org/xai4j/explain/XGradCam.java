package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;

/**
 * XGrad-CAM (Fu et al., "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of
 * CNNs", BMVC 2020): Grad-CAM with each channel's gradient averaged with the channel's own
 * activations as weights, the weights that best satisfy the paper's sensitivity and conservation
 * axioms.
 * <pre>
 *   alpha_k = sum_ij (A_kij / sum_ab A_kab) dScore/dA_kij     (eq. 11; 0 when sum_ab A_kab = 0)
 *   raw     = relu(sum_k alpha_k A_k),  map = bilinear(raw)
 * </pre>
 * Cost: one forward pass and a backward pass that stops at the layer, as Grad-CAM.
 */
public final class XGradCam implements Explainer<CamResult> {
    private final GradCam gradCam;

    /** {@code layer}: a node name or alias, or null for the input of the last global pooling. */
    public XGradCam(String layer) {
        this.gradCam = new GradCam(layer, ChannelWeights::xGradCam);
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        return gradCam.explain(graph, x, target);
    }
}
