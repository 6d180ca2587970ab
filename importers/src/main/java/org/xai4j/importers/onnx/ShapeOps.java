package org.xai4j.importers.onnx;

import java.util.Arrays;
import onnx.Onnx.TensorProto;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.layers.Identity;
import org.xai4j.layers.Reshape;

/**
 * Converters for the operators exporters use to compute shapes ({@code Constant}, {@code Shape},
 * {@code Gather}, {@code Unsqueeze}, {@code Squeeze}, {@code Cast}, {@code Slice}). They run at
 * import on constants; {@code Shape} of a computed tensor reads the shape measured by
 * {@link Conversion#shape}, so the whole chain folds to the constant a {@code Reshape} needs.
 */
final class ShapeOps {
    private ShapeOps() {}

    static void constant(OnnxNode n, Conversion cx) {
        Attributes a = n.attributes();
        INDArray v;
        if (a.has("value")) {
            v = tensor(n, a.getTensor("value"), cx);
        } else if (a.has("value_float")) {
            v = OnnxTensors.floats(new float[] {a.getFloat("value_float", 0f)});
        } else if (a.has("value_floats")) {
            float[] f = a.getFloats("value_floats");
            v = OnnxTensors.floats(f, f.length);
        } else if (a.has("value_int")) {
            v = OnnxTensors.longs(new long[] {a.getInt("value_int", 0)});
        } else if (a.has("value_ints")) {
            long[] i = a.getInts("value_ints");
            v = OnnxTensors.longs(i, i.length);
        } else {
            throw n.error("only value, value_float(s) and value_int(s) are supported; the node has " + a.names());
        }
        cx.putConstant(n.output(), v);
    }

    static INDArray tensor(OnnxNode n, TensorProto t, Conversion cx) {
        try {
            return OnnxTensors.read(t, cx.file.toAbsolutePath().getParent());
        } catch (OnnxTensors.Unsupported e) {
            throw n.error("tensor attribute: " + e.getMessage());
        }
    }

    static void shape(OnnxNode n, Conversion cx) {
        long[] s = cx.shape(n, n.input(0));
        int r = s.length;
        long start = n.attributes().getInt("start", 0);
        long end = n.attributes().getInt("end", r);
        start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
        end = Math.max(0, Math.min(r, end < 0 ? end + r : end));
        long[] y = Arrays.copyOfRange(s, (int) start, (int) Math.max(start, end));
        for (int d = 0; d < y.length; d++) {
            if (y[d] < 0) {
                if (d + start != 0) {
                    throw n.error("dimension " + (d + start) + " of '" + n.input(0) + "' is not known at import "
                            + "(the file leaves it symbolic); only the batch dimension may be");
                }
                y[d] = Conversion.DYNAMIC;
            }
        }
        cx.putConstant(n.output(), OnnxTensors.longs(y, y.length));
    }

    static void gather(OnnxNode n, Conversion cx) {
        INDArray data = OnnxOps.constantInput(n, cx, 0, "data");
        INDArray indices = OnnxOps.constantInput(n, cx, 1, "indices");
        int axis = OnnxOps.axis(n, n.attributes().getInt("axis", 0), data.rank());
        cx.putConstant(n.output(), ConstantOps.gather(data, indices, axis));
    }

    static void cast(OnnxNode n, Conversion cx) {
        int to = (int) n.attributes().getInt("to", 0);
        INDArray c = cx.constant(n.input(0));
        if (c != null) {
            cx.putConstant(n.output(), ConstantOps.cast(c, to));
        } else if (to == TensorProto.DataType.FLOAT_VALUE) {
            cx.emit(n, n.output(), new Identity(), cx.rank(n.input(0)), n.input(0));
        } else {
            throw n.error("Cast of a computed tensor to data type " + to + " is not supported (the engine computes in float32)");
        }
    }

    /** Axes from the attribute (before opset 13) or the optional input (13 and later); null if absent. */
    private static long[] axes(OnnxNode n, Conversion cx) {
        if (n.opset() < 13) {
            return n.attributes().getInts("axes");
        }
        return n.hasInput(1) ? ConstantOps.longs(OnnxOps.constantInput(n, cx, 1, "axes")) : null;
    }

    static void unsqueeze(OnnxNode n, Conversion cx) {
        long[] axes = axes(n, cx);
        if (axes == null) {
            throw n.error("axes are required");
        }
        String x = n.input(0);
        long[] in = shapeOf(n, cx, x);
        int rank = in.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            int d = OnnxOps.axis(n, a, rank);
            if (inserted[d]) {
                throw n.error("axis " + a + " is given twice");
            }
            inserted[d] = true;
        }
        long[] out = new long[rank];
        for (int d = 0, k = 0; d < rank; d++) {
            out[d] = inserted[d] ? 1 : in[k++];
        }
        reshapeTo(n, cx, x, out);
    }

    static void squeeze(OnnxNode n, Conversion cx) {
        long[] axes = axes(n, cx);
        String x = n.input(0);
        long[] in = shapeOf(n, cx, x);
        boolean[] removed = new boolean[in.length];
        if (axes == null) {
            for (int d = 0; d < in.length; d++) {
                removed[d] = in[d] == 1;
            }
        } else {
            for (long a : axes) {
                int d = OnnxOps.axis(n, a, in.length);
                if (in[d] != 1) {
                    throw n.error("cannot squeeze axis " + a + " of size " + (in[d] < 0 ? "N (the batch)" : in[d]));
                }
                removed[d] = true;
            }
        }
        long[] out = new long[in.length];
        int k = 0;
        for (int d = 0; d < in.length; d++) {
            if (!removed[d]) {
                out[k++] = in[d];
            }
        }
        reshapeTo(n, cx, x, Arrays.copyOf(out, k));
    }

    private static long[] shapeOf(OnnxNode n, Conversion cx, String x) {
        INDArray c = cx.constant(x);
        return c != null ? c.shape() : cx.shape(n, x);
    }

    /** Output {@code n} = input {@code x} with shape {@code out} (-1 where it follows the batch). */
    private static void reshapeTo(OnnxNode n, Conversion cx, String x, long[] out) {
        INDArray c = cx.constant(x);
        if (c != null) {
            cx.putConstant(n.output(), ConstantOps.reshape(c, out));
        } else {
            cx.emit(n, n.output(), new Reshape(reshapeTarget(n, out)), out.length, x);
        }
    }

    /** A Reshape target for a measured shape: the one batch-following dimension becomes -1 (inferred). */
    static long[] reshapeTarget(OnnxNode n, long[] shape) {
        if (Arrays.stream(shape).filter(d -> d < 0).count() > 1) {
            throw n.error("the output shape " + Arrays.toString(shape) + " has more than one dimension that follows the batch size");
        }
        return shape.clone();
    }

    static void slice(OnnxNode n, Conversion cx) {
        INDArray data = OnnxOps.constantInput(n, cx, 0, "data");
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (n.opset() < 10) {
            starts = n.attributes().getInts("starts");
            ends = n.attributes().getInts("ends");
            axes = n.attributes().getInts("axes");
        } else {
            starts = ConstantOps.longs(OnnxOps.constantInput(n, cx, 1, "starts"));
            ends = ConstantOps.longs(OnnxOps.constantInput(n, cx, 2, "ends"));
            axes = n.hasInput(3) ? ConstantOps.longs(OnnxOps.constantInput(n, cx, 3, "axes")) : null;
            steps = n.hasInput(4) ? ConstantOps.longs(OnnxOps.constantInput(n, cx, 4, "steps")) : null;
        }
        if (starts == null || ends == null || starts.length != ends.length) {
            throw n.error("starts and ends must be given with the same length");
        }
        if (axes == null) {
            axes = new long[starts.length];
            Arrays.setAll(axes, i -> i);
        }
        if (steps == null) {
            steps = new long[starts.length];
            Arrays.fill(steps, 1);
        }
        for (int k = 0; k < axes.length; k++) {
            axes[k] = OnnxOps.axis(n, axes[k], data.rank());
        }
        cx.putConstant(n.output(), ConstantOps.slice(data, starts, ends, axes, steps));
    }
}
