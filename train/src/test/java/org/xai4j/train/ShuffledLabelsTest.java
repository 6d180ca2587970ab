package org.xai4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The permuted labels of the data-randomization test: a permutation, seeded, the same counts, not the truth. */
class ShuffledLabelsTest {
    private static final int N = 600, K = 6;

    @Test
    void thePermutationTakesEveryIndexOnceIsSeededAndMovesMost() {
        int[] p = ShuffledLabels.permutation(N, 7);
        assertArrayEquals(identity(N), Arrays.stream(p).sorted().toArray());
        assertArrayEquals(p, ShuffledLabels.permutation(N, 7));
        assertFalse(Arrays.equals(p, ShuffledLabels.permutation(N, 8)));
        // A uniform permutation fixes 1 point on average (Poisson(1)): 20 of 600 would be ~1e-19 likely.
        long fixed = IntStream.range(0, N).filter(i -> p[i] == i).count();
        assertTrue(fixed < 20, fixed + " fixed points");
        assertArrayEquals(new int[0], ShuffledLabels.permutation(0, 1));
    }

    @Test
    void theLabelsKeepTheirCountsAndLoseTheirLinkToTheExamples() {
        int[] truth = new int[N];
        Arrays.setAll(truth, i -> i % K);
        ShuffledLabels shuffled = new ShuffledLabels(examples(truth), truth, 3);
        int[] labels = shuffled.labels();
        assertArrayEquals(Arrays.stream(truth).sorted().toArray(), Arrays.stream(labels).sorted().toArray());
        assertArrayEquals(labels, new ShuffledLabels(examples(truth), truth, 3).labels());
        // About 1 in K labels stays right by chance (100 of 600, sd ~9); the truth would be 600.
        long agree = IntStream.range(0, N).filter(i -> labels[i] == truth[i]).count();
        assertTrue(agree > 50 && agree < 150, agree + " of " + N + " labels unchanged");
    }

    @Test
    void aBatchHasTheSourcesInputsAndTheShuffledLabels() {
        int[] truth = new int[N];
        Arrays.setAll(truth, i -> i % K);
        ShuffledLabels shuffled = new ShuffledLabels(examples(truth), truth, 3);
        int[] indices = {5, 0, 599};
        INDArray x = Nd4j.create(DataType.FLOAT, 3, 1);
        int[] labels = new int[3];
        shuffled.batch(indices, x, labels);
        assertArrayEquals(new float[] {5, 0, 599}, x.toFloatVector());
        for (int r = 0; r < 3; r++) {
            assertEquals(shuffled.labels()[indices[r]], labels[r]);
        }
    }

    @Test
    void labelsThatDoNotMatchTheExamplesAreRefused() {
        int[] truth = new int[N];
        var e = assertThrows(IllegalArgumentException.class, () -> new ShuffledLabels(examples(truth), new int[3], 1));
        assertTrue(e.getMessage().contains("3 for 600"), e.getMessage());
    }

    /** Example i is the number i, labelled truth[i]. */
    private static InMemoryExamples examples(int[] truth) {
        float[] x = new float[truth.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        return new InMemoryExamples(Nd4j.create(x, new long[] {truth.length, 1}, DataType.FLOAT), truth);
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        return p;
    }
}
