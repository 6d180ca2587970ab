package org.xai4j.explain;

import java.util.Arrays;

/**
 * What an explanation explains, per batch row: the class ({@code -1} for a weighted set), the
 * value of the score at the input, the node read as logits, and a note when that node is not
 * the graph's output (the input of a final softmax).
 */
public record Scores(String logitNode, String note, Target.Score kind, int[] classes, double[] values) {

    public int classOf(int row) {
        return classes[row];
    }

    public double valueOf(int row) {
        return values[row];
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " of class " + Arrays.toString(classes)
                + " at '" + logitNode + "' = " + Arrays.toString(values) + (note.isEmpty() ? "" : " (" + note + ")");
    }
}
