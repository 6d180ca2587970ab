package org.xai4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Need;

/**
 * Central-difference gradient check of one layer in double precision, for every input and
 * every parameter. The loss is {@code L = sum(y * r)} with a fixed random {@code r}, so the
 * analytic gradient is {@code backward(cache, dy = r)}; the numeric one is
 * {@code (L(v + h) - L(v - h)) / 2h} per coordinate.
 *
 * <p>Tolerance: {@code |a - n| <= ABS + REL * max(|a|, |n|)}. With h = 1e-6 in double the
 * truncation error of a smooth layer is O(h^2) ~ 1e-12 relative and rounding about
 * 1e-16 / 1e-6 = 1e-10 of the loss scale, so REL 1e-6 with an absolute floor of 1e-8 leaves
 * two orders of margin and still catches any real rule error (those are O(1) relative).
 * Piecewise-linear layers must keep every input at least h from a kink: pass such inputs.
 */
public final class GradientCheck {
    public static final double H = 1e-6;
    public static final double REL = 1e-6;
    public static final double ABS = 1e-8;
    /** Coordinates checked per array; larger arrays are sampled at seeded random positions. */
    public static final int MAX_COORDINATES = 150;

    private GradientCheck() {}

    /** Checks a layer whose parameters() are the live arrays it computes with. */
    public static void check(String label, Layer<?> layer, INDArray... x) {
        Map<String, INDArray> params = layer.parameters();
        check(label, p -> layer, params, x);
    }

    /**
     * Checks a layer rebuilt from its parameters by {@code build} (for layers that derive data
     * from their weights at construction). Parameters are perturbed in place, then rebuilt.
     */
    public static void check(String label, Function<Map<String, INDArray>, Layer<?>> build,
                             Map<String, INDArray> params, INDArray... x) {
        for (INDArray a : x) {
            require(a, label);
        }
        params.values().forEach(p -> require(p, label));
        Layer<?> layer = build.apply(params);
        Layer.Forward<?> f = layer.forward(x);
        Random rng = new Random(7);
        INDArray r = Nd4j.rand(DataType.DOUBLE, f.y().shape()).subi(0.5).muli(2);
        Layer.Backward b = backward(layer, f.cache(), r.dup(), Need.all(x.length, !params.isEmpty()));

        List<String> failures = new ArrayList<>();
        for (int k = 0; k < x.length; k++) {
            INDArray analytic = b.dx()[k];
            if (analytic == null) {
                failures.add(label + ": backward returned no gradient for input " + k);
                continue;
            }
            if (!Arrays.equals(analytic.shape(), x[k].shape())) {
                failures.add(label + ": dx" + k + " has shape " + Arrays.toString(analytic.shape())
                        + ", input has " + Arrays.toString(x[k].shape()));
                continue;
            }
            compare(label, "input " + k, x[k], analytic, () -> loss(build.apply(params), x, r), rng, failures);
        }
        for (Map.Entry<String, INDArray> e : new LinkedHashMap<>(params).entrySet()) {
            INDArray analytic = b.dParameters().get(e.getKey());
            if (analytic == null) {
                failures.add(label + ": backward returned no gradient for parameter '" + e.getKey() + "'");
                continue;
            }
            compare(label, "parameter " + e.getKey(), e.getValue(), analytic,
                    () -> loss(build.apply(params), x, r), rng, failures);
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " gradient mismatches:\n" + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
    }

    private static void compare(String label, String what, INDArray v, INDArray analytic,
                                java.util.function.DoubleSupplier loss, Random rng, List<String> failures) {
        long n = v.length();
        long[] idx = n <= MAX_COORDINATES ? rangeOf(n) : rng.longs(MAX_COORDINATES, 0, n).toArray();
        INDArray flatV = v.reshape(n);
        INDArray flatA = analytic.reshape(n);
        for (long i : idx) {
            double orig = flatV.getDouble(i);
            flatV.putScalar(i, orig + H);
            double plus = loss.getAsDouble();
            flatV.putScalar(i, orig - H);
            double minus = loss.getAsDouble();
            flatV.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * H);
            double a = flatA.getDouble(i);
            if (Math.abs(a - numeric) > ABS + REL * Math.max(Math.abs(a), Math.abs(numeric))) {
                failures.add(String.format("%s %s index %d: analytic %.12g, numeric %.12g", label, what, i, a, numeric));
            }
        }
    }

    private static long[] rangeOf(long n) {
        long[] r = new long[(int) n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static double loss(Layer<?> layer, INDArray[] x, INDArray r) {
        return layer.forward(x).y().mul(r).sumNumber().doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static <C> Layer.Backward backward(Layer<C> layer, Object cache, INDArray dy, Need need) {
        return layer.backward((C) cache, dy, need);
    }

    private static void require(INDArray a, String label) {
        if (a.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException(label + ": gradient checks run in double precision; got " + a.dataType());
        }
        if (a.isView() || a.ordering() != 'c') {
            throw new IllegalArgumentException(label + ": pass c-ordered, non-view arrays so they can be perturbed in place");
        }
    }
}
