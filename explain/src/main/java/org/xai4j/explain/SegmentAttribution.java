package org.xai4j.explain;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One value per segment (LIME's surrogate weights, KernelSHAP's Shapley values), painted on the
 * segment's pixels in {@code map [N, H, W]}; per row the {@link Segments}, the values in segment
 * order, and the surrogate's intercept (LIME) or the score with every segment hidden (KernelSHAP's
 * base value, phi_0).
 */
public record SegmentAttribution(INDArray map, List<Segments> segments, List<double[]> values, double[] intercepts,
                                 Scores scores) implements Explanation {

    /** The labels {@code [H, W]} as int32, as the user gave them (SLIC's 0..M-1). */
    @Override
    public Map<String, INDArray> arrays(int row) {
        Segments s = segments.get(row);
        int[] labels = new int[s.index().length];
        for (int p = 0; p < labels.length; p++) {
            labels[p] = (int) s.ids()[s.index()[p]];
        }
        return Map.of("segments", Nd4j.createFromArray(labels).reshape(s.H(), s.W()).castTo(DataType.INT));
    }

    /** Lists (not arrays), so any JSON writer takes them. */
    @Override
    public Map<String, Object> values(int row) {
        Segments s = segments.get(row);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("segment_count", s.count());
        v.put("segment_ids", Arrays.stream(s.ids()).boxed().toList());
        v.put("segment_pixels", Arrays.stream(s.pixels()).boxed().toList());
        v.put("segment_values", Arrays.stream(values.get(row)).boxed().toList());
        v.put("intercept", intercepts[row]);
        v.put("sum_of_values", Arrays.stream(values.get(row)).sum());
        return v;
    }
}
