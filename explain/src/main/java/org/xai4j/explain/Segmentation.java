package org.xai4j.explain;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Flat;

/**
 * How LIME and KernelSHAP cut an input row {@code x [1, C, H, W]} into the segments they switch
 * on and off: SLIC superpixels computed from the input ({@link #slic}), or a label map given by
 * the user ({@link #given}). {@link #name} is how records name it.
 */
public interface Segmentation {
    int DEFAULT_SUPERPIXELS = 50;
    double DEFAULT_COMPACTNESS = 10;
    /** More segments than this make the M x M regression (and the coalitions needed to fit it) absurd. */
    int MAX_SEGMENTS = 4096;

    Segments of(INDArray x);

    String name();

    /** SLIC (Achanta et al. 2012) with about {@code superpixels} segments of the given compactness ({@link Slic}). */
    static Segmentation slic(int superpixels, double compactness) {
        if (superpixels < 1 || superpixels > MAX_SEGMENTS || !(compactness > 0) || Double.isInfinite(compactness)) {
            throw new IllegalArgumentException("SLIC needs 1.." + MAX_SEGMENTS + " superpixels and a finite compactness > 0; got "
                    + superpixels + " and " + compactness);
        }
        return new Segmentation() {
            @Override
            public Segments of(INDArray x) {
                NdArrays.require4d(x, "an input", "SLIC");
                int H = (int) x.size(2);
                int W = (int) x.size(3);
                return Segments.of(Slic.segment(Flat.read(x), (int) x.size(1), H, W, superpixels, compactness), H, W);
            }

            @Override
            public String name() {
                return "slic (about " + superpixels + " superpixels, compactness " + compactness + ")";
            }
        };
    }

    /**
     * The user's own map: {@code labels} of {@code H x W} integers {@code >= 0}, one per pixel in
     * C order, for inputs of that size; {@code name} says where it came from (a file).
     */
    static Segmentation given(long[] labels, int H, int W, String name) {
        Segments segments = Segments.of(labels, H, W, name);
        return new Segmentation() {
            @Override
            public Segments of(INDArray x) {
                if (x.rank() != 4 || x.size(2) != H || x.size(3) != W) {
                    throw new IllegalArgumentException(name + ": the segments are " + H + " x " + W + " but the input is "
                            + Arrays.toString(x.shape()) + "; give a map of the model's input size");
                }
                return segments;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }
}
