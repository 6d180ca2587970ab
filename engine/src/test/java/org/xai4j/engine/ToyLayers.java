package org.xai4j.engine;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Tiny closed-form layers for engine tests; each counts its backward calls. */
final class ToyLayers {
    private ToyLayers() {}

    /** y = w * x elementwise with a scalar-shaped weight broadcast; dW = sum(dy * x). */
    static final class Scale implements Layer<INDArray> {
        final INDArray w;
        final AtomicInteger backwardCalls = new AtomicInteger();

        Scale(INDArray w) {
            this.w = w;
        }

        @Override
        public Forward<INDArray> forward(INDArray... x) {
            return Forward.of(x[0].mul(w.getDouble(0)), x[0]);
        }

        @Override
        public Backward backward(INDArray x, INDArray dy, Need need) {
            backwardCalls.incrementAndGet();
            INDArray dx = need.input(0) ? dy.mul(w.getDouble(0)) : null;
            Map<String, INDArray> dp = need.parameters()
                    ? Map.of("w", dy.mul(x).sum().reshape(w.shape())) : Map.of();
            return Backward.of(new INDArray[] {dx}, dp);
        }

        @Override
        public Map<String, INDArray> parameters() {
            return Map.of("w", w);
        }
    }

    /** y = a + b; returns dy itself for both inputs (the engine must not sum into it). */
    static final class Plus implements Layer<Void> {
        @Override
        public Forward<Void> forward(INDArray... x) {
            return Forward.of(x[0].add(x[1]), null);
        }

        @Override
        public Backward backward(Void cache, INDArray dy, Need need) {
            return Backward.of(need.input(0) ? dy : null, need.input(1) ? dy : null);
        }
    }
}
