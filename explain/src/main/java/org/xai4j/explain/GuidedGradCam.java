package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Graph;
import org.xai4j.engine.RectifierRule;
import org.xai4j.engine.Tape;

/**
 * Guided Grad-CAM (Selvaraju et al., ICCV 2017, section 3.2): guided backpropagation's
 * fine-grained input pattern masked by the coarse Grad-CAM map of a layer.
 * <pre>
 *   map = guided backprop dScore/dx  *  bilinear(Grad-CAM at the layer)    [N, C, H, W]
 * </pre>
 * Cost: one forward pass and two backward passes on the same tape: the plain one stops at the
 * layer (Grad-CAM must see ordinary gradients), the guided one runs to the input.
 */
public final class GuidedGradCam implements Explainer<Attribution> {
    private final String layer;
    private final BackwardRules.Activations activations;

    public GuidedGradCam(String layer) {
        this(layer, BackwardRules.Activations.RELU_AND_RELU6);
    }

    public GuidedGradCam(String layer, BackwardRules.Activations activations) {
        this.layer = layer;
        this.activations = activations;
    }

    @Override
    public Attribution explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "Guided Grad-CAM");
        Head head = Head.of(graph);
        String input = ActivationGradient.inputOf(graph);
        String name = head.featureMapsAt(graph, layer, "Guided Grad-CAM");
        try (Tape tape = graph.forward(Map.of(input, x))) {
            Target.Seed seed = target.seed(tape.value(head.logits()), head);
            INDArray g = tape.backward(head.logits(), seed.dz(), List.of(name)).get(name);
            INDArray A = tape.value(name);
            NdArrays.require4d(A, "the activation at '" + name + "'", "Guided Grad-CAM");
            INDArray raw = Transforms.relu(ChannelWeights.weightedSum(A, ChannelWeights.meanGradient(A, g)), false);
            INDArray cam = Upsampling.bilinear(raw, (int) x.size(2), (int) x.size(3));
            INDArray guided = tape.backward(head.logits(), seed.dz(), List.of(input),
                    BackwardRules.hooks(RectifierRule.GUIDED, activations)).get(input);
            INDArray map = guided.muli(cam.reshape(x.size(0), 1, x.size(2), x.size(3)));
            NdArrays.close(g, raw, cam);
            return new Attribution(map, seed.scores());
        }
    }
}
