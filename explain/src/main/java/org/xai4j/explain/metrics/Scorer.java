package org.xai4j.explain.metrics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.explain.Head;

/**
 * The score of one class for each row of a batch: what the perturbation metrics watch while they
 * delete, insert or mask pixels. Any model fits; {@link #probability} and {@link #logit} read an
 * xai4j graph through its {@link Head}.
 */
@FunctionalInterface
public interface Scorer {

    double[] score(INDArray batch);

    /** softmax(z)[c] of the head's logits z, in double precision. */
    static Scorer probability(Graph graph, int c) {
        Head head = Head.of(graph);
        return batch -> {
            double[][] z = logits(head, graph, batch, c);
            double[] p = new double[z.length];
            for (int n = 0; n < z.length; n++) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z[n]) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (double v : z[n]) {
                    sum += Math.exp(v - max);
                }
                p[n] = Math.exp(z[n][c] - max) / sum;
            }
            return p;
        };
    }

    /** The head's logit z[c]. */
    static Scorer logit(Graph graph, int c) {
        Head head = Head.of(graph);
        return batch -> {
            double[][] z = logits(head, graph, batch, c);
            double[] out = new double[z.length];
            for (int n = 0; n < z.length; n++) {
                out[n] = z[n][c];
            }
            return out;
        };
    }

    private static double[][] logits(Head head, Graph graph, INDArray batch, int c) {
        INDArray z = head.at(graph, batch);
        if (c < 0 || c >= z.size(1)) {
            throw new IllegalArgumentException("class " + c + " is out of range: the model has " + z.size(1) + " classes");
        }
        return z.reshape(z.size(0), z.size(1)).castTo(DataType.DOUBLE).toDoubleMatrix();
    }
}
