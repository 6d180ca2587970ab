package org.xai4j.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Called after a node's forward: observes its output, or returns a replacement (else null). */
@FunctionalInterface
public interface ForwardHook {
    INDArray onForward(Node node, INDArray y);
}
