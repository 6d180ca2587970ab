package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;

/**
 * CAM (Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016): for a
 * layer read by global average pooling and a linear classifier (a Linear layer, or a 1x1
 * convolution as in Keras's MobileNet), the classifier's weights applied at every position of the
 * layer's feature maps.
 * <pre>
 *   w_k = sum_j seed_j W[j, k]      (= W[c, k] for the logit of class c; seed = dScore/dz)
 *   raw = sum_k w_k A_k              [N, h, w], no ReLU, no bias: mean(raw) + b_c = z_c
 *   map = bilinear(relu(raw))        [N, H, W]
 * </pre>
 * Cost: one forward pass (inference), no backward. Grad-CAM at the same layer equals
 * {@code relu(raw) / (h*w)}. Which layer qualifies and its {@code W} are the graph's {@link Head}.
 */
public final class Cam implements Explainer<CamResult> {
    private final String layer;

    /** {@code layer}: a node name or alias, or null for the input of the last global pooling ({@link Head#featureMaps}). */
    public Cam(String layer) {
        this.layer = layer;
    }

    public static Cam of(String layer) {
        return new Cam(layer);
    }

    public String layer() {
        return layer;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "CAM");
        Head head = Head.of(graph);
        String name = head.featureMapsAt(graph, layer, "CAM");
        INDArray W = head.classifierAt(graph, name);
        Map<String, INDArray> v = graph.run(Map.of(ActivationGradient.inputOf(graph), x), List.of(name, head.logits()));
        INDArray A = v.get(name);
        NdArrays.require4d(A, "the activation at '" + name + "'", "CAM");
        if (W.size(1) != A.size(1)) {
            throw new IllegalArgumentException("CAM: the linear layer after '" + name + "' reads " + W.size(1)
                    + " features but '" + name + "' has " + A.size(1) + " channels");
        }
        Target.Seed seed = target.seed(v.get(head.logits()), head);
        INDArray weights = seed.dz().reshape(A.size(0), W.size(0)).castTo(W.dataType()).mmul(W).castTo(A.dataType());
        INDArray raw = ChannelWeights.weightedSum(A, weights);
        INDArray positive = Transforms.relu(raw, true);
        INDArray map = Upsampling.bilinear(positive, (int) x.size(2), (int) x.size(3));
        NdArrays.close(positive, A);
        return new CamResult(map, raw, weights, name, seed.scores());
    }
}
