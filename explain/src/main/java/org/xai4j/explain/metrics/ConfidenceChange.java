package org.xai4j.explain.metrics;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Average drop and increase in confidence (Chattopadhay et al., "Grad-CAM++", WACV 2018, section
 * 5.1), as torch-cam reports them: the image is multiplied by its map scaled to [0, 1] (min-max),
 * in the model's input space, and the class probability on that "explanation map" O is compared
 * with the probability on the image Y. Per image: drop = max(0, Y - O) / Y, increase = [O > Y];
 * over a set: their means, in percent.
 */
public final class ConfidenceChange {
    private ConfidenceChange() {}

    /** Y and O for one image. */
    public record Scores(double original, double explanationMap) {
        public double drop() {
            return Math.max(0, original - explanationMap) / original;
        }

        public boolean increase() {
            return explanationMap > original;
        }
    }

    /** x [1, C, H, W] in the model's input space, map [H, W]; the scorer should give probabilities. */
    public static Scores of(INDArray x, Plane map, Scorer scorer) {
        try (Copies copies = new Copies(scorer, x, 2)) {
            int y = copies.image();
            int o = copies.add(explanationMap(x, map));
            double[] s = copies.scores();
            return new Scores(s[y], s[o]);
        }
    }

    /** The explanation map O = x * (map - min) / (max - min), in x's type (all zeros for a constant map). */
    static INDArray explanationMap(INDArray x, Plane map) {
        if (x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException("average drop takes one image [1, C, H, W], got " + Arrays.toString(x.shape()));
        }
        map.requireSize((int) x.size(2), (int) x.size(3), "the input image");
        double min = Arrays.stream(map.v()).min().orElseThrow(), max = map.max();
        double[] unit = new double[map.v().length];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = max > min ? (map.v()[i] - min) / (max - min) : 0;
        }
        INDArray m = Nd4j.create(unit, new long[] {1, 1, map.H(), map.W()}).castTo(x.dataType());
        return x.mul(m);
    }

    /** Average drop over images, in percent. */
    public static double averageDrop(Scores... images) {
        return 100 * Arrays.stream(images).mapToDouble(Scores::drop).average().orElseThrow();
    }

    /** Increase in confidence over images, in percent. */
    public static double increaseInConfidence(Scores... images) {
        return 100.0 * Arrays.stream(images).filter(Scores::increase).count() / images.length;
    }
}
