package org.xai4j.train;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;

/**
 * Stochastic gradient descent with momentum and L2 weight decay, in PyTorch's convention
 * ({@code torch.optim.SGD}, no dampening, not Nesterov):
 *
 * <pre>g' = g + lambda p        v = mu v + g'        p = p - lr v</pre>
 * with v = 0 before the first step (PyTorch starts its buffer at g', the same thing). Sutskever et
 * al. (ICML 2013) write {@code v = mu v - lr g; p = p + v}, which differs from this one when the
 * learning rate changes (here a new rate also scales the momentum already gathered).
 *
 * @param momentum mu in [0, 1); 0 is plain SGD
 * @param weightDecay lambda >= 0, added to the gradient as the gradient of (lambda / 2) |p|^2
 */
public record Sgd(double momentum, double weightDecay) implements Optimizer {

    public Sgd {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("SGD momentum is " + momentum + "; accepted: 0 <= momentum < 1");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("SGD weight decay is " + weightDecay + "; accepted: a finite number >= 0");
        }
    }

    @Override
    public int slots() {
        return 1;
    }

    @Override
    public void step(INDArray p, INDArray g, INDArray[] state, double lr, long t, boolean decay) {
        double[] w = Flat.read(p), dw = Flat.read(g), v = Flat.read(state[0]);
        double lambda = decay ? weightDecay : 0;
        for (int i = 0; i < w.length; i++) {
            v[i] = momentum * v[i] + (dw[i] + lambda * w[i]);
            w[i] -= lr * v[i];
        }
        Flat.write(v, state[0]);
        Flat.write(w, p);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "SGD momentum %s, weight decay %s (L2)", momentum, weightDecay);
    }
}
