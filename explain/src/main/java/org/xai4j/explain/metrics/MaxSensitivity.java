package org.xai4j.explain.metrics;

import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.explain.Explainer;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.Target;

/**
 * Max-sensitivity (Yeh et al., "On the (In)fidelity and Sensitivity of Explanations", NeurIPS
 * 2019, eq. 4): how far the explanation moves under a small input change,
 * {@code max_{|y - x|_inf <= r} |Phi(y) - Phi(x)| / |Phi(x)|}, Frobenius norms, estimated by Monte
 * Carlo over {@code samples} draws uniform in the L-infinity ball (as Captum's
 * {@code sensitivity_max}; the division by |Phi(x)|, as Quantus does, makes methods with
 * different map scales comparable). The target is pinned to x's explained class, so a flipped
 * prediction does not count as sensitivity. Lower is better.
 */
public record MaxSensitivity(double radius, int samples, long seed) {

    public MaxSensitivity {
        if (!(radius > 0) || samples < 1 || samples > 10_000) {
            throw new IllegalArgumentException("max-sensitivity needs radius > 0 and 1 to 10000 samples, got " + radius + ", " + samples);
        }
    }

    /** x [1, C, H, W]; the radius is in the model's input units. */
    public double of(Explainer<?> explainer, Graph graph, INDArray x) {
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException("max-sensitivity takes one image [1, C, H, W], got " + Arrays.toString(x.shape()));
        }
        Explanation base = explainer.explain(graph, x);
        Target target = Target.of(base.scores().classOf(0));
        INDArray phi = base.map();
        double norm = phi.norm2Number().doubleValue();
        if (!(norm > 0)) {
            throw new IllegalArgumentException("the explanation of x is all zeros: its relative sensitivity is undefined");
        }
        Random random = new Random(seed);
        double worst = 0;
        for (int s = 0; s < samples; s++) {
            double[] noise = new double[(int) x.length()];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = (2 * random.nextDouble() - 1) * radius;
            }
            INDArray y = x.add(Nd4j.create(noise, x.shape()).castTo(x.dataType()));
            INDArray moved = explainer.explain(graph, y, target).map();
            worst = Math.max(worst, moved.sub(phi).norm2Number().doubleValue() / norm);
        }
        return worst;
    }
}
