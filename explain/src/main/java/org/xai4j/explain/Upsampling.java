package org.xai4j.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.io.Resampling;

/**
 * Bilinear resizing of CAM maps with half-pixel centres, exactly PyTorch's
 * {@code interpolate(mode='bilinear', align_corners=False)} without antialiasing: the rule the
 * photos are resized with, {@link Resampling#bilinear} (its Javadoc has the formula).
 * Shapes: {@code [N, h, w] -> [N, H, W]}. Computed in double, stored in the input's type.
 */
public final class Upsampling {
    private Upsampling() {}

    public static INDArray bilinear(INDArray maps, int H, int W) {
        if (maps.rank() != 3) {
            throw new IllegalArgumentException("bilinear upsampling takes maps [N,h,w]; got " + java.util.Arrays.toString(maps.shape()));
        }
        return Resampling.bilinear(maps, H, W);
    }
}
