package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Comparisons with a stated tolerance, reporting the worst element. With
 * {@code -Dxai4j.printErrors=true} every comparison prints its error, to see the margins. Test-only.
 */
final class Close {
    private Close() {}

    /** max |a - e| <= rel * max |e| (+ abs), elementwise over same-shaped arrays. */
    static double assertClose(String what, INDArray expected, INDArray actual, double rel, double abs) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double scale = 0;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        int worst = 0;
        double worstDiff = -1;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            if (!(d <= worstDiff) || Double.isNaN(d)) {
                worstDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                worst = i;
            }
        }
        if (worstDiff > rel * scale + abs) {
            fail(what + ": at flat index " + worst + " expected " + e[worst] + " got " + a[worst] + " (|diff| " + worstDiff
                    + " > " + rel + " * max|expected| " + scale + " + " + abs + ")");
        }
        double relative = scale == 0 ? worstDiff : worstDiff / scale;
        if (Boolean.getBoolean("xai4j.printErrors")) {
            System.out.printf("%s: max |diff| / max |expected| = %.2e%n", what, relative);
        }
        return relative;
    }
}
