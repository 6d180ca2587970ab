package org.xai4j.explain;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a hidden pixel becomes in the perturbation methods, for one input row {@code x [1, C, H, W]}
 * as the network receives it (after preprocessing): a constant in every channel (the oracle's
 * occlusion uses 0), each channel's mean over the image, or the image blurred by a Gaussian of
 * {@code sigma} pixels (Fong and Vedaldi's "blur" perturbation). {@code kind} and {@code value}
 * (the constant, or the blur's sigma) say which.
 */
public record Fill(Kind kind, double value) {
    /** The blur of {@code --fill blur} without a width, in pixels (the integrated-gradients blur baseline's default). */
    public static final double DEFAULT_BLUR = 10;

    public enum Kind { VALUE, MEAN, BLUR }

    public Fill {
        if (!Double.isFinite(value) || kind == Kind.BLUR && value < 0) {
            throw new IllegalArgumentException("fill: " + (kind == Kind.BLUR ? "blur needs a Gaussian width >= 0 in pixels"
                    : "a fill value must be a finite number") + ", got " + value);
        }
    }

    public static Fill value(double v) {
        return new Fill(Kind.VALUE, v);
    }

    public static Fill mean() {
        return new Fill(Kind.MEAN, 0);
    }

    public static Fill blur(double sigma) {
        return new Fill(Kind.BLUR, sigma);
    }

    /** {@code VALUE}, {@code mean}, {@code blur} or {@code blur:S}; a one-line error naming what is accepted otherwise. */
    public static Fill parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("mean")) {
            return mean();
        }
        if (s.equals("blur")) {
            return blur(DEFAULT_BLUR);
        }
        try {
            return s.startsWith("blur:") ? blur(Double.parseDouble(s.substring(5))) : value(Double.parseDouble(s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--fill " + spec + ": accepted: a finite number (the value of every channel), "
                    + "mean (each channel's mean) or blur[:S] (Gaussian blur of S pixels, default " + DEFAULT_BLUR + ")");
        }
    }

    /** How records name it: "0.0", "mean", "blur:10.0". */
    public String name() {
        return switch (kind) {
            case VALUE -> Double.toString(value);
            case MEAN -> "mean";
            case BLUR -> "blur:" + value;
        };
    }

    /** The input with every pixel hidden: an array shaped like {@code x [1, C, H, W]}, in its type. */
    public INDArray replacementFor(INDArray x) {
        NdArrays.require4d(x, "an input", "a fill");
        return switch (kind) {
            case VALUE -> Nd4j.zerosLike(x).addi(value);
            case MEAN -> Nd4j.zerosLike(x).addi(x.mean(true, 2, 3));
            case BLUR -> Maps.gaussianSmooth(x, value);
        };
    }
}
