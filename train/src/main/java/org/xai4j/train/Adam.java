package org.xai4j.train;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;

/**
 * Adam (Kingma and Ba, ICLR 2015, Algorithm 1) with bias correction, and weight decay decoupled
 * from the gradient as in AdamW (Loshchilov and Hutter, ICLR 2019), in PyTorch's
 * {@code torch.optim.AdamW} form:
 *
 * <pre>
 * p = p - lr lambda p                                       (decoupled weight decay)
 * m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
 * p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 * Why decoupled: an L2 term added to g passes through the division by sqrt(v), so weights with
 * large gradients would be pulled towards zero less than weights with small ones, and the decay
 * would no longer be the one the number says; decoupled, every weight shrinks by the same factor
 * (1 - lr lambda) per step, as with SGD. With lambda = 0 this is plain Adam.
 *
 * @param beta1 decay of the first moment, in [0, 1)
 * @param beta2 decay of the second moment, in [0, 1)
 * @param eps added to the denominator, > 0
 * @param weightDecay lambda >= 0
 */
public record Adam(double beta1, double beta2, double eps, double weightDecay) implements Optimizer {

    /** Kingma and Ba's settings (b1 0.9, b2 0.999, eps 1e-8) with decoupled weight decay {@code lambda}. */
    public static Adam of(double weightDecay) {
        return new Adam(0.9, 0.999, 1e-8, weightDecay);
    }

    public Adam {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas are " + beta1 + ", " + beta2 + "; accepted: 0 <= beta < 1");
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("Adam epsilon is " + eps + "; accepted: a finite number > 0");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("Adam weight decay is " + weightDecay + "; accepted: a finite number >= 0");
        }
    }

    @Override
    public int slots() {
        return 2;
    }

    @Override
    public void step(INDArray p, INDArray g, INDArray[] state, double lr, long t, boolean decay) {
        double[] w = Flat.read(p), dw = Flat.read(g), m = Flat.read(state[0]), v = Flat.read(state[1]);
        double shrink = decay ? 1 - lr * weightDecay : 1;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < w.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * dw[i];
            v[i] = beta2 * v[i] + (1 - beta2) * dw[i] * dw[i];
            w[i] = shrink * w[i] - lr / c1 * m[i] / (Math.sqrt(v[i] / c2) + eps);
        }
        Flat.write(m, state[0]);
        Flat.write(v, state[1]);
        Flat.write(w, p);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "Adam b1 %s, b2 %s, eps %s, weight decay %s (decoupled, AdamW)", beta1, beta2, eps,
                weightDecay);
    }
}
