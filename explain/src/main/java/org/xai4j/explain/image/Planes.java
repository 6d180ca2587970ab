package org.xai4j.explain.image;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Flat;
import org.xai4j.explain.Maps;

/**
 * The one value per pixel a picture shows for an input-shaped attribution {@code [1, C, H, W]},
 * and whether it is signed. The method's own display aggregation ({@link Maps.Aggregation}, from
 * the catalogue) gives the absolute picture; the signed picture has the same magnitude at every
 * pixel and keeps the sign:
 * <pre>
 *   ABS_MAX (max_c |a_c|)  ->  a_k with k = argmax_c |a_c|   (the channel that wins keeps its sign)
 *   ABS_SUM (|sum_c a_c|)  ->  sum_c a_c
 *   SUM_ABS, SUM           ->  sum_c a_c                     (as Captum's visualize_image_attr)
 * </pre>
 * {@link Sign#POSITIVE} is {@code max(signed, 0)}: the evidence for the class only.
 */
public final class Planes {
    private Planes() {}

    /** What a picture of an input-shaped map shows: {@code --sign signed|abs|positive}. */
    public enum Sign {
        /** Negative and positive values, in a diverging colour map centred at 0. */
        SIGNED,
        /** The method's own aggregation of magnitudes, in a sequential colour map. */
        ABS,
        /** Positive values only, in a sequential colour map. */
        POSITIVE;

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The plane {@code [1, H, W]} of an attribution {@code [1, C, H, W]}. */
    public static INDArray of(INDArray attribution, Maps.Aggregation display, Sign sign) {
        if (sign == Sign.ABS) {
            return Maps.aggregate(attribution, display);
        }
        INDArray signed = display == Maps.Aggregation.ABS_MAX ? signedMaxAbs(attribution) : Maps.aggregate(attribution, Maps.Aggregation.SUM);
        return sign == Sign.POSITIVE ? Transforms.relu(signed, false) : signed;
    }

    /** {@code a[n, k, i, j]} with {@code k = argmax_c |a[n, c, i, j]|} (the first channel on ties). */
    static INDArray signedMaxAbs(INDArray a) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException("a picture's attribution must be [N,C,H,W], got " + Arrays.toString(a.shape()));
        }
        int n = (int) a.size(0);
        int c = (int) a.size(1);
        int hw = (int) (a.size(2) * a.size(3));
        double[] v = Flat.read(a);
        double[] out = new double[n * hw];
        for (int b = 0; b < n; b++) {
            for (int p = 0; p < hw; p++) {
                double best = v[b * c * hw + p];
                for (int k = 1; k < c; k++) {
                    double x = v[(b * c + k) * hw + p];
                    if (Math.abs(x) > Math.abs(best)) {
                        best = x;
                    }
                }
                out[b * hw + p] = best;
            }
        }
        return Nd4j.create(out, new long[] {n, a.size(2), a.size(3)}, DataType.DOUBLE).castTo(a.dataType());
    }
}
