package org.xai4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** SLIC: the number of segments asked for, connected segments, edges respected, and compactness doing what it says. */
class SlicTest {

    @Test
    void aFlatImageIsCutIntoTheGridOfSquaresAsked() {
        int[] labels = Slic.segment(new double[3 * 60 * 60], 3, 60, 60, 36, 10);
        assertEquals(36, Arrays.stream(labels).max().getAsInt() + 1);
        int[] sizes = sizes(labels);
        for (int s : sizes) {
            assertEquals(100, s, "a 60 x 60 flat image in 36 squares of 10 x 10");
        }
    }

    @Test
    void segmentsAreConnectedAndNoneIsTiny() {
        double[] noisy = noisyTwoTone(96, 96, 5);
        int[] labels = Slic.segment(noisy, 3, 96, 96, 50, 10);
        int M = Arrays.stream(labels).max().getAsInt() + 1;
        assertTrue(M >= 25 && M <= 100, "about 50 segments: " + M);
        for (int k = 0; k < M; k++) {
            assertEquals(1, pieces(labels, 96, 96, k), "segment " + k + " is one 4-connected piece");
        }
        double S2 = 96.0 * 96 / 50;
        for (int s : sizes(labels)) {
            assertTrue(s >= S2 / 4, "no segment under S^2 / 4 = " + S2 / 4 + " pixels: " + s);
        }
    }

    @Test
    void segmentsFollowAStrongEdge() {
        double[] noisy = noisyTwoTone(64, 64, 1);
        int[] labels = Slic.segment(noisy, 3, 64, 64, 16, 10);
        // The left half (x < 29, off the diagonal edge) and the right half never share a segment.
        int crossing = 0;
        int M = Arrays.stream(labels).max().getAsInt() + 1;
        for (int k = 0; k < M; k++) {
            boolean dark = false;
            boolean light = false;
            for (int p = 0; p < labels.length; p++) {
                if (labels[p] == k) {
                    dark |= p % 64 < 29;
                    light |= p % 64 >= 35;
                }
            }
            crossing += dark && light ? 1 : 0;
        }
        assertEquals(0, crossing, "segments spanning the edge at x = 32");
    }

    @Test
    void higherCompactnessGivesRounderSegments() {
        double[] noisy = noisyTwoTone(64, 64, 40);
        double loose = raggedness(Slic.segment(noisy, 3, 64, 64, 30, 1), 64, 64);
        double tight = raggedness(Slic.segment(noisy, 3, 64, 64, 30, 40), 64, 64);
        // A square has perimeter / sqrt(area) = 4; the noise drives weakly compact segments far above that.
        assertTrue(tight < 5 && tight < 0.8 * loose, "perimeter / sqrt(area): compactness 40 " + tight + ", compactness 1 " + loose);
    }

    @Test
    void theSegmentationOfAnInputIsOneSegmentPerLabel() {
        INDArray x = TestNets.input(3, DataType.FLOAT, 1, 3, 40, 40);
        Segments s = Segmentation.slic(20, 10).of(x);
        assertEquals(40 * 40, Arrays.stream(s.pixels()).sum());
        assertEquals(s.count(), s.ids().length);
        assertEquals(s.count() - 1, s.ids()[s.count() - 1], "SLIC's labels are 0..M-1");
    }

    @Test
    void smallPiecesJoinANeighbourAndSplitLabelsBecomeSegments() {
        // Label 1 appears in two separate places; the single 9 is a piece under the minimum.
        int[] labels = {
            1, 1, 0, 0, 1, 1,
            1, 1, 0, 0, 1, 1,
            1, 1, 0, 9, 1, 1};
        int[] out = Slic.connected(labels, 3, 6, 2);
        assertEquals(3, Arrays.stream(out).max().getAsInt() + 1, Arrays.toString(out));
        assertEquals(out[2], out[15], "the lone 9 joins the piece on its left");
        assertTrue(out[0] != out[4], "the two pieces of label 1 are two segments");
    }

    /** Left half dark, right half light (edge at x = W/2), plus Gaussian noise of the given size on a 0..255 scale. */
    private static double[] noisyTwoTone(int H, int W, double noise) {
        SplittableRandom rng = new SplittableRandom(1);
        double[] v = new double[3 * H * W];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < H * W; p++) {
                v[c * H * W + p] = (p % W < W / 2 ? 40 : 200) + noise * rng.nextGaussian();
            }
        }
        return v;
    }

    private static int[] sizes(int[] labels) {
        int[] s = new int[Arrays.stream(labels).max().getAsInt() + 1];
        for (int l : labels) {
            s[l]++;
        }
        return s;
    }

    private static int pieces(int[] labels, int H, int W, int k) {
        boolean[] seen = new boolean[labels.length];
        int count = 0;
        for (int start = 0; start < labels.length; start++) {
            if (labels[start] != k || seen[start]) {
                continue;
            }
            count++;
            ArrayDeque<Integer> todo = new ArrayDeque<>();
            todo.add(start);
            seen[start] = true;
            while (!todo.isEmpty()) {
                int p = todo.poll();
                int[] next = {p >= W ? p - W : -1, p < (H - 1) * W ? p + W : -1, p % W > 0 ? p - 1 : -1, p % W < W - 1 ? p + 1 : -1};
                for (int q : next) {
                    if (q >= 0 && !seen[q] && labels[q] == k) {
                        seen[q] = true;
                        todo.add(q);
                    }
                }
            }
        }
        return count;
    }

    /** The mean over segments of perimeter / sqrt(area), edges of the image counted: 4 for squares, more for ragged shapes. */
    private static double raggedness(int[] labels, int H, int W) {
        int[] area = sizes(labels);
        double[] perimeter = new double[area.length];
        for (int p = 0; p < labels.length; p++) {
            int[] next = {p >= W ? p - W : -1, p < (H - 1) * W ? p + W : -1, p % W > 0 ? p - 1 : -1, p % W < W - 1 ? p + 1 : -1};
            for (int q : next) {
                if (q < 0 || labels[q] != labels[p]) {
                    perimeter[labels[p]]++;
                }
            }
        }
        double sum = 0;
        for (int k = 0; k < area.length; k++) {
            sum += perimeter[k] / Math.sqrt(area[k]);
        }
        return sum / area.length;
    }
}
