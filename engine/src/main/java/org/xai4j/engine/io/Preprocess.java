package org.xai4j.engine.io;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The input normalisations of the common model families, applied to RGB 0..255 tensors
 * [N, 3, H, W] (as {@link Images} returns them). Each returns a new float32 array.
 */
public enum Preprocess {
    /** torchvision / PyTorch hub: {@code (x / 255 - mean_c) / std_c}, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], RGB. */
    TORCHVISION,
    /** Inception / MobileNet / Teachable Machine (TF "tf" mode): {@code x / 127.5 - 1}, range [-1, 1], RGB. */
    INCEPTION,
    /** Caffe / Keras ResNet50 / VGG ("caffe" mode): channels reordered to BGR, minus [103.939, 116.779, 123.68] (B, G, R means), no scaling. */
    CAFFE,
    /** The 0..255 RGB values as they are. */
    NONE;

    private static final double[] TORCH_MEAN = {0.485, 0.456, 0.406};
    private static final double[] TORCH_STD = {0.229, 0.224, 0.225};
    private static final double[] CAFFE_BGR_MEAN = {103.939, 116.779, 123.68};

    /** {@code rgb}: [N, 3, H, W] float RGB in 0..255. Returns a new [N, 3, H, W] float32 array. */
    public INDArray apply(INDArray rgb) {
        if (rgb.rank() != 4 || rgb.size(1) != 3) {
            throw new IllegalArgumentException("preprocessing expects an RGB tensor [N,3,H,W], got " + Arrays.toString(rgb.shape()));
        }
        INDArray x = rgb.castTo(DataType.FLOAT).dup('c');
        switch (this) {
            case TORCHVISION -> {
                for (int c = 0; c < 3; c++) {
                    channel(x, c).divi(255).subi(TORCH_MEAN[c]).divi(TORCH_STD[c]);
                }
            }
            case INCEPTION -> x.divi(127.5).subi(1);
            case CAFFE -> {
                INDArray bgr = x.dup('c');
                for (int c = 0; c < 3; c++) {
                    channel(bgr, c).assign(channel(x, 2 - c)).subi(CAFFE_BGR_MEAN[c]);
                }
                x = bgr;
            }
            case NONE -> { }
        }
        return x;
    }

    private static INDArray channel(INDArray x, int c) {
        return x.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all());
    }

    /** The name as the command line spells it ("torchvision"). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "torchvision", "inception", "caffe" or "none" (any case). */
    public static Preprocess parse(String name) {
        for (Preprocess p : values()) {
            if (p.cliName().equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preprocessing '" + name + "'; accepted: " + names());
    }

    /** "torchvision, inception, caffe, none". */
    public static String names() {
        return Arrays.stream(values()).map(Preprocess::cliName).collect(Collectors.joining(", "));
    }
}
