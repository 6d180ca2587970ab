package org.xai4j.cli;

import java.nio.file.Path;
import org.xai4j.engine.Graph;
import org.xai4j.importers.Models;
import org.xai4j.importers.onnx.OnnxImporter;

/**
 * A copy of a graph with every parameter in float64 ({@code explain --float64}). Gradients of
 * ReLU networks are piecewise constant: where a pre-activation lies within float32 rounding of a
 * kink (0, or 6 for ReLU6), float32 may pick the other side and switch a whole gradient path on
 * or off. In float64 the file's float32 weights are used exactly, so the maps are the exact
 * answer for them, up to the final rounding to float32 when written. For that, ONNX files are
 * imported with their batch norms kept as layers: folded into the convolutions (the importer's
 * default), the weights would be rounded to float32 once more. Keras files are always folded.
 */
final class Float64 {
    private Float64() {}

    /** The model in {@code file} in float64, batch norm unfolded where the format allows. */
    static Graph load(Path file) {
        return of(Models.load(file, OnnxImporter.Options.DEFAULT.withFoldBatchNorm(false)));
    }

    static Graph of(Graph g) {
        try {
            return org.xai4j.layers.Float64.copyOf(g);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--float64: " + e.getMessage() + "; run without --float64", e);
        }
    }
}
