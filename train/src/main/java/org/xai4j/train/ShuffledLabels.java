package org.xai4j.train;

import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The examples of another {@link Examples} with their labels permuted: example {@code i} keeps its
 * input and takes the true label of example {@code pi(i)}, {@code pi} a seeded random permutation.
 * This is the training set of the data-randomization test of Adebayo et al. ("Sanity Checks for
 * Saliency Maps", NeurIPS 2018, section 3.2, after Zhang et al., ICLR 2017): the labels keep their
 * counts (the class balance) but lose their link to the inputs, so a model can fit them only by
 * memorising. Held-out data keeps its true labels.
 */
public final class ShuffledLabels implements Examples {
    private final Examples source;
    private final int[] labels;

    /** {@code trueLabels[i]} is the label {@code source} gives example i; {@code seed} draws the permutation. */
    public ShuffledLabels(Examples source, int[] trueLabels, long seed) {
        if (source == null || trueLabels == null || trueLabels.length != source.size()) {
            throw new IllegalArgumentException("shuffled labels: need one true label per example, got "
                    + (trueLabels == null ? "none" : trueLabels.length) + " for " + (source == null ? "no" : source.size()) + " examples");
        }
        int[] pi = permutation(trueLabels.length, seed);
        this.source = source;
        this.labels = new int[trueLabels.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = trueLabels[pi[i]];
        }
    }

    /** A Fisher-Yates shuffle of 0..n-1 drawn from {@code java.util.Random(seed)}. */
    public static int[] permutation(int n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("permutation of " + n + " elements; accepted: 0 or more");
        }
        Random random = new Random(seed);
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The labels trained on, in example order (a copy). */
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public void batch(int[] indices, INDArray x, int[] labelsInto) {
        source.batch(indices, x, labelsInto);
        for (int r = 0; r < indices.length; r++) {
            labelsInto[r] = labels[indices[r]];
        }
    }
}
