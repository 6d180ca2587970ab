package org.xai4j.explain;

/**
 * The settings of the perturbation methods, under the shared {@link Parameter} names: the
 * occluded square ({@code patch}, {@code stride}), what hidden pixels become ({@code fill}),
 * RISE's random masks ({@code masks}, {@code grid}, {@code keep}) and the superpixels of LIME and
 * KernelSHAP ({@code segments}). LIME and KernelSHAP take their number of coalitions from
 * {@link Parameters#samples}. Immutable: {@code Perturbation.DEFAULT.withPatch(32)}.
 */
public record Perturbation(int patch, int stride, Fill fill, int masks, int grid, double keep, Segmentation segments,
                           int height, int width) {

    /** 16-pixel squares every 8 pixels filled with 0; 4000 masks on a 7 x 7 grid keeping half; 50 SLIC superpixels. */
    public static final Perturbation DEFAULT = new Perturbation(16, 8, Fill.value(0), 4000, 7, 0.5,
            Segmentation.slic(Segmentation.DEFAULT_SUPERPIXELS, Segmentation.DEFAULT_COMPACTNESS), 224, 224);

    public Perturbation withPatch(int v) {
        return new Perturbation(v, stride, fill, masks, grid, keep, segments, height, width);
    }

    public Perturbation withStride(int v) {
        return new Perturbation(patch, v, fill, masks, grid, keep, segments, height, width);
    }

    public Perturbation withFill(Fill v) {
        return new Perturbation(patch, stride, v, masks, grid, keep, segments, height, width);
    }

    public Perturbation withMasks(int v) {
        return new Perturbation(patch, stride, fill, v, grid, keep, segments, height, width);
    }

    public Perturbation withGrid(int v) {
        return new Perturbation(patch, stride, fill, masks, v, keep, segments, height, width);
    }

    public Perturbation withKeep(double v) {
        return new Perturbation(patch, stride, fill, masks, grid, v, segments, height, width);
    }

    public Perturbation withSegments(Segmentation v) {
        return new Perturbation(patch, stride, fill, masks, grid, keep, v, height, width);
    }

    public Perturbation withInputSize(int h, int w) {
        return new Perturbation(patch, stride, fill, masks, grid, keep, segments, h, w);
    }

    /** The number of occluded squares on an input of {@link #height} x {@link #width} (0 when the patch does not fit). */
    public long squares() {
        if (patch < 1 || stride < 1 || patch > Math.min(height, width)) {
            return 0;
        }
        return (long) ((height - patch) / stride + 1) * ((width - patch) / stride + 1);
    }
}
