package org.xai4j.importers.onnx;

import static org.xai4j.importers.onnx.OnnxOps.axis;
import static org.xai4j.importers.onnx.OnnxOps.constantInput;
import static org.xai4j.importers.onnx.OnnxOps.scalar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.layers.Concat;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Reshape;

/**
 * Converters that rearrange a tensor: {@code Flatten}, {@code Reshape} (with the batch size a
 * folded shape chain carries), {@code Concat} and constant-mode {@code Pad} (attributes before
 * opset 11, inputs after, opset 18's {@code axes}).
 */
final class LayoutOps {
    private LayoutOps() {}

    // ---- shape ----

    static void flatten(OnnxNode n, Conversion cx) {
        String x = n.input(0);
        int rank = cx.rank(x);
        long axis = n.attributes().getInt("axis", 1);
        int a = axis == rank ? rank : axis(n, axis, rank);
        cx.emit(n, n.output(), new Flatten(a), 2, x);
    }

    static void reshape(OnnxNode n, Conversion cx) {
        long[] target = ConstantOps.longs(constantInput(n, cx, 1, "shape"));
        boolean allowZero = n.attributes().getInt("allowzero", 0) != 0;
        if (allowZero && Arrays.stream(target).anyMatch(d -> d == 0)) {
            throw n.error("allowzero=1 with a 0 in the target shape (an empty tensor) is not supported");
        }
        String x = n.input(0);
        INDArray c = cx.constant(x);
        if (c != null) {
            cx.putConstant(n.output(), ConstantOps.reshape(c, ConstantOps.reshapeTarget(c.shape(), target)));
            return;
        }
        // A folded shape chain marks the batch size as DYNAMIC: at position 0 it is the input's
        // own first dimension, which ONNX's 0 ("copy that dimension") expresses exactly.
        for (int d = 0; d < target.length; d++) {
            if (target[d] == Conversion.DYNAMIC) {
                if (d != 0) {
                    throw n.error("the target shape puts the dynamic batch size at position " + d
                            + "; only position 0 is supported (export with a fixed batch size)");
                }
                target[d] = 0;
            }
        }
        cx.emit(n, n.output(), new Reshape(target), target.length, x);
    }

    static void concat(OnnxNode n, Conversion cx) {
        if (!n.attributes().has("axis")) {
            throw n.error("the axis attribute is required");
        }
        String[] in = new String[n.inputCount()];
        boolean allConstant = true;
        for (int i = 0; i < in.length; i++) {
            in[i] = n.input(i);
            allConstant &= cx.isConstant(in[i]);
        }
        int rank = cx.rank(in[0]);
        int axis = axis(n, n.attributes().getInt("axis", 0), rank);
        if (allConstant) {
            List<INDArray> parts = new ArrayList<>();
            for (String i : in) {
                parts.add(cx.constant(i));
            }
            cx.putConstant(n.output(), ConstantOps.concat(parts, axis));
            return;
        }
        cx.emit(n, n.output(), new Concat(axis), rank, in);
    }

    static void pad(OnnxNode n, Conversion cx) {
        Attributes a = n.attributes();
        String mode = a.getString("mode", "constant");
        if (!mode.equals("constant")) {
            throw n.error("mode '" + mode + "' is not supported; only constant padding is");
        }
        String x = n.input(0);
        int rank = cx.rank(x);
        long[] pads;
        double value;
        if (n.opset() < 11) {
            pads = a.getInts("pads");
            value = a.getFloat("value", 0f);
            if (pads == null) {
                throw n.error("the pads attribute is required");
            }
        } else {
            pads = ConstantOps.longs(constantInput(n, cx, 1, "pads"));
            value = n.hasInput(2) ? scalar(n, cx, 2, "constant_value") : 0;
            if (n.hasInput(3)) {
                pads = padsOnAxes(n, pads, ConstantOps.longs(constantInput(n, cx, 3, "axes")), rank);
            }
        }
        if (rank >= 0 && pads.length != 2L * rank) {
            throw n.error("pads holds " + pads.length + " values; a rank-" + rank + " input needs " + 2 * rank);
        }
        cx.emit(n, n.output(), new Pad(pads, value), rank, x);
    }

    /** Opset 18's axes input: pads given for some axes only, the others get 0. */
    private static long[] padsOnAxes(OnnxNode n, long[] pads, long[] axes, int rank) {
        if (rank < 0) {
            throw n.error("the axes input needs the input's rank, which the file does not give");
        }
        long[] full = new long[2 * rank];
        for (int k = 0; k < axes.length; k++) {
            int d = axis(n, axes[k], rank);
            full[d] = pads[k];
            full[d + rank] = pads[k + axes.length];
        }
        return full;
    }
}
