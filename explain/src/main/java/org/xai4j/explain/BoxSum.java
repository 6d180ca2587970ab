package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.xai4j.engine.Graph;
import org.xai4j.layers.Add;
import org.xai4j.layers.Identity;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;

/**
 * A {@link ReceptiveField.Step} that is a residual Add and the ReLU after it, computed on the
 * crops in their Java arrays. Such a step has two inputs, which a compiled plan does not take, so
 * its graph would run node by node in ND4J, with its crops copied to native arrays and its boxes
 * read back: on ResNet-50 that cost more than a compiled convolution step. The sum runs in the
 * order ND4J's runs it ({@code x0 + x1 + ...}), so the values are the same to the bit.
 * <pre>
 *   box_add  = sum_i crop_i          (the crops of a pointwise step are its boxes)
 *   box_relu = max(box_add, 0)
 * </pre>
 */
final class BoxSum {
    private BoxSum() {}

    /** Whether {@code step} is an Add of two or more inputs followed only by ReLUs (or identities). */
    static boolean handles(ReceptiveField.Step step) {
        if (!(Specialization.reference(step.head().node().layer()) instanceof Add) || step.head().window() != null
                || step.graph().inputs().size() < 2) {
            return false;
        }
        for (ReceptiveField.Value v : step.values().subList(1, step.values().size())) {
            Object layer = Specialization.reference(v.node().layer());
            if (!(layer instanceof ReLU || layer instanceof Identity)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code step} on {@code crops} (per graph input, {@code values} values each), writing
     * each of its values' boxes (the same {@code values} values) into {@code boxes}.
     */
    static void run(ReceptiveField.Step step, Object[] crops, Map<String, Object> boxes, int values) {
        List<String> inputs = step.graph().inputs().stream().map(Graph.Input::name).toList();
        ReceptiveField.Value head = step.head();
        Object sum = boxes.get(head.name());
        List<String> terms = head.node().inputs();
        System.arraycopy(crops[inputs.indexOf(terms.get(0))], 0, sum, 0, values);
        for (String term : terms.subList(1, terms.size())) {
            Object x = crops[inputs.indexOf(term)];
            if (sum instanceof double[] s) {
                double[] a = (double[]) x;
                for (int i = 0; i < values; i++) {
                    s[i] += a[i];
                }
            } else {
                float[] s = (float[]) sum;
                float[] a = (float[]) x;
                for (int i = 0; i < values; i++) {
                    s[i] += a[i];
                }
            }
        }
        Object last = sum;
        for (ReceptiveField.Value v : step.values().subList(1, step.values().size())) {
            Object out = boxes.get(v.name());
            boolean relu = Specialization.reference(v.node().layer()) instanceof ReLU;
            if (out instanceof double[] o) {
                double[] a = (double[]) last;
                for (int i = 0; i < values; i++) {
                    o[i] = relu ? Math.max(a[i], 0) : a[i];
                }
            } else {
                float[] o = (float[]) out;
                float[] a = (float[]) last;
                for (int i = 0; i < values; i++) {
                    o[i] = relu ? Math.max(a[i], 0) : a[i];
                }
            }
            last = out;
        }
    }
}
