package org.xai4j.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * NaN and infinity checks for weights, inputs and outputs. ReLU, max pooling and a softmax's
 * argmax turn NaN into ordinary-looking numbers, so a model with one NaN weight or fed one NaN
 * pixel still prints a confident class; these checks make that an error instead.
 */
public final class Finite {
    private Finite() {}

    /** Number of NaN and infinite values in {@code x} (0 for integer arrays). */
    public static long count(INDArray x) {
        if (x == null || x.isEmpty() || !x.dataType().isFPType()) {
            return 0;
        }
        return Nd4j.getExecutioner().exec(new MatchCondition(x, Conditions.notFinite())).getLong(0);
    }

    /**
     * Nothing when {@code x} is finite; otherwise an IllegalArgumentException "{@code what} holds
     * 3 NaN and 1 infinite of 150528 values; {@code accepted}".
     */
    public static void check(INDArray x, String what, String accepted) {
        String problem = describe(x);
        if (problem != null) {
            throw new IllegalArgumentException(what + " holds " + problem + "; " + accepted);
        }
    }

    /** "3 NaN and 1 infinite of 150528 values", or null when {@code x} is finite. */
    public static String describe(INDArray x) {
        long bad = count(x);
        if (bad == 0) {
            return null;
        }
        long nan = Nd4j.getExecutioner().exec(new MatchCondition(x, Conditions.isNan())).getLong(0);
        long inf = bad - nan;
        String counts = nan > 0 && inf > 0 ? nan + " NaN and " + inf + " infinite"
                : nan > 0 ? nan + " NaN" : inf + " infinite";
        return counts + " of " + x.length() + " values";
    }
}
