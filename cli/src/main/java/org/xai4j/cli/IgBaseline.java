package org.xai4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.io.Npy;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.Baseline;

/**
 * {@code explain --baseline}: the reference input of integrated gradients and how the JSON record
 * names it. {@code black} and {@code white} mean the black and white photo as the model receives
 * it: a photo's black is 0 only before preprocessing ({@code x / 127.5 - 1} makes it -1); for a
 * tensor, whose preprocessing is unknown, black is zeros and white each channel at its maximum.
 */
record IgBaseline(Baseline baseline, String name) {
    static final double DEFAULT_BLUR = 10;

    /** {@code photo}: the preprocessing a photo went through, or null for a tensor. */
    static IgBaseline parse(String spec, INDArray x, Preprocess photo, long seed) {
        String lower = spec.trim().toLowerCase(Locale.ROOT);
        if (lower.equals("black") || lower.equals("white")) {
            if (photo == null) {
                return lower.equals("black") ? new IgBaseline(Baseline.black(), "black (zeros)")
                        : new IgBaseline(Baseline.white(), "white (each channel at its maximum in the input)");
            }
            INDArray rgb = Nd4j.zeros(DataType.FLOAT, 1, 3, x.size(2), x.size(3)).addi(lower.equals("black") ? 0 : 255);
            return new IgBaseline(Baseline.of(photo.apply(rgb)),
                    lower + " (the " + lower + " photo through " + photo.cliName() + " preprocessing)");
        }
        if (lower.equals("noise")) {
            return new IgBaseline(Baseline.uniform(seed), "noise (uniform over the input's range, seed " + seed + ")");
        }
        if (lower.equals("blur") || lower.startsWith("blur:")) {
            double sigma = DEFAULT_BLUR;
            if (lower.startsWith("blur:")) {
                try {
                    sigma = Double.parseDouble(lower.substring(5));
                } catch (NumberFormatException e) {
                    sigma = -1;
                }
                if (!(sigma >= 0)) {
                    throw new IllegalArgumentException("--baseline " + spec + ": blur:S needs a Gaussian width S >= 0 in pixels");
                }
            }
            return new IgBaseline(Baseline.blurred(sigma), "blur (Gaussian, sigma " + sigma + " pixels)");
        }
        Path file = Path.of(spec);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--baseline " + spec + ": not black, white, noise, blur[:S], nor an existing .npy file");
        }
        INDArray b = Npy.read(file);
        if (!Arrays.equals(b.shape(), x.shape())) {
            throw new IllegalArgumentException("--baseline " + file + ": shape " + Converters.shape(b.shape())
                    + " differs from the input's " + Converters.shape(x.shape()));
        }
        return new IgBaseline(Baseline.of(b), file.toString());
    }
}
