package org.xai4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.importers.Models;
import org.xai4j.importers.onnx.OnnxImporter;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Constant;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Linear;

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
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Float64() {}

    /** The model in {@code file} in float64, batch norm unfolded where the format allows. */
    static Graph load(Path file) {
        Graph g = isHdf5(file) ? Models.load(file)
                : OnnxImporter.load(file, OnnxImporter.Options.DEFAULT.withFoldBatchNorm(false));
        return of(g);
    }

    private static boolean isHdf5(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(HDF5_SIGNATURE.length), HDF5_SIGNATURE);
        } catch (IOException e) {
            // Models.load names the file and the problem.
            return true;
        }
    }

    static Graph of(Graph g) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Layer<?> l = n.layer();
            if (l instanceof Conv2d c) {
                l = new Conv2d(d(c.weight()), d(c.bias()), c.spec());
            } else if (l instanceof BatchNorm2d b) {
                l = new BatchNorm2d(d(b.gamma()), d(b.beta()), d(b.mean()), d(b.var()), b.eps());
            } else if (l instanceof Linear f) {
                l = new Linear(d(f.weight()), d(f.bias()));
            } else if (l instanceof Constant c) {
                l = new Constant(d(c.value()));
            } else if (!l.parameters().isEmpty()) {
                throw new IllegalArgumentException("--float64: node '" + n.name() + "' (" + l.describe()
                        + ") has parameters this option cannot convert; run without --float64");
            }
            nodes.add(new Node(n.name(), l, n.inputs()));
        }
        return new Graph(g.inputs(), nodes, g.outputs(), g.aliases());
    }

    static INDArray d(INDArray a) {
        return a == null ? null : a.castTo(DataType.DOUBLE);
    }
}
