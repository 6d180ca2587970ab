package org.xai4j.importers.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Concat;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.GlobalMaxPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.LeakyReLU;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Mul;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Reshape;
import org.xai4j.layers.Sigmoid;
import org.xai4j.layers.Softmax;
import org.xai4j.layers.Tanh;

/**
 * The converters, keyed by ONNX {@code op_type}: each reads a node's attributes by their spec
 * names and emits engine layers (or, for shape arithmetic, constants; see {@link ShapeOps}).
 * Attribute defaults and the inputs that replaced attributes in later opsets follow the ONNX
 * operator specification (https://onnx.ai/onnx/operators/).
 */
final class OnnxOps {
    private OnnxOps() {}

    @FunctionalInterface
    interface Converter {
        void convert(OnnxNode node, Conversion cx);
    }

    static final Map<String, Converter> TABLE = table();

    private static Map<String, Converter> table() {
        Map<String, Converter> t = new TreeMap<>();
        t.put("Conv", OnnxOps::conv);
        t.put("BatchNormalization", OnnxOps::batchNormalization);
        t.put("Relu", (n, cx) -> unary(n, cx, new ReLU()));
        t.put("Sigmoid", (n, cx) -> unary(n, cx, new Sigmoid()));
        t.put("Tanh", (n, cx) -> unary(n, cx, new Tanh()));
        t.put("LeakyRelu", (n, cx) -> unary(n, cx, new LeakyReLU(n.attributes().getFloat("alpha", 0.01f))));
        t.put("Clip", OnnxOps::clip);
        t.put("MaxPool", OnnxOps::maxPool);
        t.put("AveragePool", OnnxOps::averagePool);
        t.put("GlobalAveragePool", (n, cx) -> globalPool(n, cx, new GlobalAvgPool()));
        t.put("GlobalMaxPool", (n, cx) -> globalPool(n, cx, new GlobalMaxPool()));
        t.put("Flatten", OnnxOps::flatten);
        t.put("Gemm", OnnxOps::gemm);
        t.put("MatMul", OnnxOps::matMul);
        t.put("Add", OnnxOps::add);
        t.put("Sub", OnnxOps::sub);
        t.put("Mul", OnnxOps::mul);
        t.put("Div", OnnxOps::div);
        t.put("Concat", OnnxOps::concat);
        t.put("Pad", OnnxOps::pad);
        t.put("Reshape", OnnxOps::reshape);
        t.put("Softmax", OnnxOps::softmax);
        t.put("Identity", OnnxOps::identity);
        t.put("Dropout", OnnxOps::dropout);
        t.put("Constant", ShapeOps::constant);
        t.put("Shape", ShapeOps::shape);
        t.put("Gather", ShapeOps::gather);
        t.put("Unsqueeze", ShapeOps::unsqueeze);
        t.put("Squeeze", ShapeOps::squeeze);
        t.put("Cast", ShapeOps::cast);
        t.put("Slice", ShapeOps::slice);
        return Collections.unmodifiableMap(t);
    }

    /** Input {@code i} as a constant; a clear error when it is computed from a graph input. */
    static INDArray constantInput(OnnxNode n, Conversion cx, int i, String role) {
        String name = n.input(i);
        if (!cx.isKnown(name)) {
            throw n.error("reads '" + name + "', which is neither a graph input, an initializer nor the output of an earlier node");
        }
        INDArray c = cx.constant(name);
        if (c == null) {
            throw n.error("input " + role + " ('" + name + "') must be a constant (an initializer or computed from constants only)");
        }
        return c;
    }

    /** A weight: a float32 constant with no trace of the dynamic batch size. */
    static INDArray weight(OnnxNode n, Conversion cx, int i, String role) {
        INDArray c = constantInput(n, cx, i, role);
        cx.checkStatic(n, n.input(i), c);
        return Conversion.asFloat(c).dup('c');
    }

    /** The ONNX axis convention: negative axes count from the end. */
    static int axis(OnnxNode n, long axis, int rank) {
        if (rank < 0) {
            if (axis < 0) {
                throw n.error("a negative axis needs the input's rank, which the file does not give");
            }
            return (int) axis;
        }
        if (axis < -rank || axis >= rank) {
            throw n.error("axis " + axis + " is out of range for a rank-" + rank + " input");
        }
        return (int) (axis < 0 ? axis + rank : axis);
    }

    private static void unary(OnnxNode n, Conversion cx, org.xai4j.engine.Layer<?> layer) {
        cx.emit(n, n.output(), layer, cx.rank(n.input(0)), n.input(0));
    }

    // ---- convolution and normalization ----

    private static void conv(OnnxNode n, Conversion cx) {
        Attributes a = n.attributes();
        INDArray w = weight(n, cx, 1, "W");
        if (w.rank() != 4) {
            throw n.error("only 2-D convolutions are supported (W of rank 4, OIHW); W has shape " + Arrays.toString(w.shape()));
        }
        INDArray b = n.hasInput(2) ? weight(n, cx, 2, "B").reshape(w.size(0)) : null;
        long[] kernel = a.getInts("kernel_shape");
        if (kernel != null && (kernel.length != 2 || kernel[0] != w.size(2) || kernel[1] != w.size(3))) {
            throw n.error("kernel_shape " + Arrays.toString(kernel) + " does not match W " + Arrays.toString(w.shape()));
        }
        long[] strides = pair(n, "strides");
        long[] dilations = pair(n, "dilations");
        int groups = (int) a.getInt("group", 1);
        if (groups < 1 || w.size(0) % groups != 0) {
            throw n.error("group " + groups + " does not divide the " + w.size(0) + " output channels");
        }
        Window p = window(n, (int) w.size(2), (int) w.size(3));
        ConvSpec spec = new ConvSpec((int) strides[0], (int) strides[1], p.top, p.left, p.bottom, p.right,
                (int) dilations[0], (int) dilations[1], groups, p.mode);
        cx.emit(n, n.output(), new Conv2d(w, b, spec), 4, n.input(0));
    }

    private static void batchNormalization(OnnxNode n, Conversion cx) {
        Attributes a = n.attributes();
        if (a.getInt("training_mode", 0) != 0) {
            throw n.error("training_mode=1 (batch statistics) is not supported; export the model in eval mode");
        }
        if (n.opset() < 9 && a.getInt("spatial", 1) != 1) {
            throw n.error("spatial=0 (per-activation statistics) is not supported; spatial=1 is");
        }
        a.ignore("momentum");
        testModeOnly(n);
        int rank = cx.rank(n.input(0));
        if (rank != 4 && rank != -1) {
            throw n.error("BatchNormalization is supported on 4-D (NCHW) inputs; this input has rank " + rank);
        }
        INDArray gamma = weight(n, cx, 1, "scale");
        INDArray beta = weight(n, cx, 2, "B");
        INDArray mean = weight(n, cx, 3, "input_mean");
        INDArray var = weight(n, cx, 4, "input_var");
        double eps = a.getFloat("epsilon", 1e-5f);
        cx.emit(n, n.output(), new BatchNorm2d(gamma, beta, mean, var, eps), 4, n.input(0));
    }

    /** Before opset 7, BatchNormalization and Dropout ran in training mode unless is_test=1. */
    private static void testModeOnly(OnnxNode n) {
        if (n.opset() < 7 && n.attributes().getInt("is_test", 0) == 0) {
            throw n.error("is_test=0 (training mode) is not supported; inference needs is_test=1");
        }
    }

    // ---- activations ----

    private static void clip(OnnxNode n, Conversion cx) {
        double min = Double.NEGATIVE_INFINITY;
        double max = Double.POSITIVE_INFINITY;
        if (n.opset() < 11) {
            min = n.attributes().getFloat("min", Float.NEGATIVE_INFINITY);
            max = n.attributes().getFloat("max", Float.POSITIVE_INFINITY);
        } else {
            if (n.hasInput(1)) {
                min = scalar(n, cx, 1, "min");
            }
            if (n.hasInput(2)) {
                max = scalar(n, cx, 2, "max");
            }
        }
        unary(n, cx, new Clip(min, max));
    }

    static double scalar(OnnxNode n, Conversion cx, int i, String role) {
        INDArray c = constantInput(n, cx, i, role);
        if (c.length() != 1) {
            throw n.error("input " + role + " must be a scalar; it has shape " + Arrays.toString(c.shape()));
        }
        cx.checkStatic(n, n.input(i), c);
        return ConstantOps.floats(c)[0];
    }

    private static void softmax(OnnxNode n, Conversion cx) {
        String x = n.input(0);
        int rank = cx.rank(x);
        if (n.opset() >= 13) {
            int axis = axis(n, n.attributes().getInt("axis", -1), rank);
            cx.emit(n, n.output(), new Softmax(axis), rank, x);
            return;
        }
        // Before opset 13 Softmax flattened the input to 2-D at `axis` and normalized each row;
        // that equals a softmax over one axis only when `axis` is the last one.
        int axis = axis(n, n.attributes().getInt("axis", 1), rank);
        if (axis == rank - 1) {
            cx.emit(n, n.output(), new Softmax(axis), rank, x);
            return;
        }
        long[] shape = cx.shape(n, x);
        String flat = n.output() + "/flatten";
        String soft = n.output() + "/softmax";
        cx.emit(n, flat, new Flatten(axis), 2, x);
        cx.emit(n, soft, new Softmax(1), 2, flat);
        cx.emit(n, n.output(), new Reshape(ShapeOps.reshapeTarget(n, shape)), rank, soft);
    }

    // ---- pooling ----

    private static void maxPool(OnnxNode n, Conversion cx) {
        n.attributes().ignore("storage_order");
        cx.emit(n, n.output(), new MaxPool2d(poolSpec(n)), 4, n.input(0));
    }

    private static void averagePool(OnnxNode n, Conversion cx) {
        boolean countIncludePad = n.attributes().getInt("count_include_pad", 0) != 0;
        cx.emit(n, n.output(), new AvgPool2d(poolSpec(n), countIncludePad), 4, n.input(0));
    }

    private static PoolSpec poolSpec(OnnxNode n) {
        Attributes a = n.attributes();
        long[] k = a.getInts("kernel_shape");
        if (k == null || k.length != 2) {
            throw n.error("only 2-D pooling is supported (kernel_shape of 2 values); kernel_shape is " + Arrays.toString(k));
        }
        long[] strides = pair(n, "strides");
        long[] dilations = n.opset() >= 10 ? pair(n, "dilations") : new long[] {1, 1};
        boolean ceil = n.opset() >= 10 && a.getInt("ceil_mode", 0) != 0;
        Window p = window(n, (int) k[0], (int) k[1]);
        return new PoolSpec((int) k[0], (int) k[1], (int) strides[0], (int) strides[1], p.top, p.left, p.bottom, p.right,
                (int) dilations[0], (int) dilations[1], p.mode, ceil);
    }

    private static void globalPool(OnnxNode n, Conversion cx, org.xai4j.engine.Layer<?> layer) {
        int rank = cx.rank(n.input(0));
        if (rank != 4 && rank != -1) {
            throw n.error("only 4-D (NCHW) inputs are supported; this input has rank " + rank);
        }
        cx.emit(n, n.output(), layer, 4, n.input(0));
    }

    /** Pads of a window op: explicit {@code pads} or an {@code auto_pad} mode. */
    private record Window(int top, int left, int bottom, int right, Padding mode) {}

    private static Window window(OnnxNode n, int kernelH, int kernelW) {
        Attributes a = n.attributes();
        String autoPad = a.getString("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                long[] pads = a.getInts("pads");
                if (pads == null) {
                    return new Window(0, 0, 0, 0, Padding.EXPLICIT);
                }
                if (pads.length != 4) {
                    throw n.error("pads must hold 4 values (top, left, bottom, right) for a 2-D window; got " + Arrays.toString(pads));
                }
                return new Window((int) pads[0], (int) pads[1], (int) pads[2], (int) pads[3], Padding.EXPLICIT);
            }
            case "VALID" -> {
                a.ignore("pads");
                return new Window(0, 0, 0, 0, Padding.EXPLICIT);
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                a.ignore("pads");
                return new Window(0, 0, 0, 0, autoPad.equals("SAME_UPPER") ? Padding.SAME_UPPER : Padding.SAME_LOWER);
            }
            default -> throw n.error("auto_pad '" + autoPad + "' is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER are)");
        }
    }

    /** A two-value attribute (strides, dilations) for a 2-D window; 1, 1 when absent. */
    private static long[] pair(OnnxNode n, String name) {
        long[] v = n.attributes().getInts(name);
        if (v == null) {
            return new long[] {1, 1};
        }
        if (v.length != 2) {
            throw n.error(name + " must hold 2 values for a 2-D window; got " + Arrays.toString(v));
        }
        return v;
    }

    // ---- shape ----

    private static void flatten(OnnxNode n, Conversion cx) {
        String x = n.input(0);
        int rank = cx.rank(x);
        long axis = n.attributes().getInt("axis", 1);
        int a = axis == rank ? rank : axis(n, axis, rank);
        cx.emit(n, n.output(), new Flatten(a), 2, x);
    }

    private static void reshape(OnnxNode n, Conversion cx) {
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

    private static void concat(OnnxNode n, Conversion cx) {
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

    private static void pad(OnnxNode n, Conversion cx) {
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

    // ---- linear algebra ----

    private static void gemm(OnnxNode n, Conversion cx) {
        Attributes a = n.attributes();
        double alpha = a.getFloat("alpha", 1f);
        double beta = a.getFloat("beta", 1f);
        boolean transA = a.getInt("transA", 0) != 0;
        boolean transB = a.getInt("transB", 0) != 0;
        if (n.opset() < 7) {
            a.ignore("broadcast");
        }
        String x = n.input(0);
        INDArray constA = cx.constant(x);
        if (transA) {
            if (constA == null) {
                throw n.error("transA=1 on a computed input is not supported (A must be [N, C])");
            }
            String transposed = n.output() + "/A_transposed";
            cx.putConstant(transposed, Conversion.asFloat(constA).transpose().dup('c'));
            x = transposed;
        }
        INDArray b = weight(n, cx, 1, "B");
        if (b.rank() != 2) {
            throw n.error("B must be 2-D; it has shape " + Arrays.toString(b.shape()));
        }
        // Linear computes x W^T with W [K, C]: W = alpha * B^T when B is [C, K] (transB=0).
        INDArray w = (transB ? b : b.transpose()).mul(alpha).dup('c');
        long k = w.size(0);
        INDArray bias = null;
        String extra = null;
        if (n.hasInput(2) && beta != 0) {
            INDArray c = weight(n, cx, 2, "C").mul(beta);
            if (c.length() == k && (c.rank() == 1 || c.size(0) == 1)) {
                bias = c.reshape(k).dup();
            } else if (c.length() == 1) {
                bias = org.nd4j.linalg.factory.Nd4j.valueArrayOf(new long[] {k}, c.getFloat(0));
            } else {
                extra = n.output() + "/C";
                cx.putConstant(extra, c);
            }
        }
        if (extra == null) {
            cx.emit(n, n.output(), new Linear(w, bias), 2, x);
        } else {
            String product = n.output() + "/AB";
            cx.emit(n, product, new Linear(w, null), 2, x);
            cx.emit(n, n.output(), new Add(), 2, product, extra);
        }
    }

    private static void matMul(OnnxNode n, Conversion cx) {
        String x = n.input(0);
        INDArray a = cx.constant(x);
        INDArray b = cx.constant(n.input(1));
        if (a != null && b != null) {
            if (a.rank() != 2 || b.rank() != 2) {
                throw n.error("MatMul of constants is folded for 2-D operands only");
            }
            cx.putConstant(n.output(), Conversion.asFloat(a).mmul(Conversion.asFloat(b)));
            return;
        }
        if (b == null) {
            throw n.error("the second operand must be a constant (a weight); products of two computed tensors are not supported");
        }
        int rank = cx.rank(x);
        if (rank != 2 || b.rank() != 2) {
            throw n.error("MatMul is supported as x [N, C] times a constant [C, K]; here x has rank " + rank
                    + " and B shape " + Arrays.toString(b.shape()));
        }
        cx.emit(n, n.output(), new Linear(weight(n, cx, 1, "B").transpose().dup('c'), null), 2, x);
    }

    // ---- elementwise ----

    private static int broadcastRank(Conversion cx, String... in) {
        int r = 0;
        for (String i : in) {
            int ri = cx.rank(i);
            if (ri < 0) {
                return -1;
            }
            r = Math.max(r, ri);
        }
        return r;
    }

    private static boolean foldArithmetic(OnnxNode n, Conversion cx) {
        if (!cx.isConstant(n.input(0)) || !cx.isConstant(n.input(1))) {
            return false;
        }
        cx.putConstant(n.output(), ConstantOps.arithmetic(n.op(), cx.constant(n.input(0)), cx.constant(n.input(1))));
        return true;
    }

    private static void add(OnnxNode n, Conversion cx) {
        if (!foldArithmetic(n, cx)) {
            cx.emit(n, n.output(), new Add(), broadcastRank(cx, n.input(0), n.input(1)), n.input(0), n.input(1));
        }
    }

    private static void mul(OnnxNode n, Conversion cx) {
        if (!foldArithmetic(n, cx)) {
            cx.emit(n, n.output(), new Mul(), broadcastRank(cx, n.input(0), n.input(1)), n.input(0), n.input(1));
        }
    }

    /** x - y as x + (-1) * y; a constant y is negated at import instead. */
    private static void sub(OnnxNode n, Conversion cx) {
        if (foldArithmetic(n, cx)) {
            return;
        }
        String x = n.input(0);
        String y = n.input(1);
        int rank = broadcastRank(cx, x, y);
        String negated = n.output() + "/negated";
        INDArray c = cx.constant(y);
        if (c != null) {
            cx.checkStatic(n, y, c);
            cx.putConstant(negated, Conversion.asFloat(c).neg());
        } else {
            String minusOne = n.output() + "/minus_one";
            cx.putConstant(minusOne, OnnxTensors.floats(new float[] {-1f}));
            cx.emit(n, negated, new Mul(), cx.rank(y), y, minusOne);
        }
        cx.emit(n, n.output(), new Add(), rank, x, negated);
    }

    /** x / c as x * (1 / c) for a constant c; division by a computed tensor is not supported. */
    private static void div(OnnxNode n, Conversion cx) {
        if (foldArithmetic(n, cx)) {
            return;
        }
        INDArray c = cx.constant(n.input(1));
        if (c == null) {
            throw n.error("division by a computed tensor is not supported; the divisor must be a constant");
        }
        cx.checkStatic(n, n.input(1), c);
        String reciprocal = n.output() + "/reciprocal";
        cx.putConstant(reciprocal, org.nd4j.linalg.ops.transforms.Transforms.pow(Conversion.asFloat(c), -1, true));
        cx.emit(n, n.output(), new Mul(), broadcastRank(cx, n.input(0), n.input(1)), n.input(0), reciprocal);
    }

    // ---- no-ops at inference ----

    private static void identity(OnnxNode n, Conversion cx) {
        INDArray c = cx.constant(n.input(0));
        if (c != null) {
            cx.putConstant(n.output(), c);
        } else {
            unary(n, cx, new Identity());
        }
    }

    private static void dropout(OnnxNode n, Conversion cx) {
        n.attributes().ignore("ratio", "seed");
        testModeOnly(n);
        if (n.hasInput(2)) {
            INDArray training = constantInput(n, cx, 2, "training_mode");
            if (ConstantOps.floats(training)[0] != 0) {
                throw n.error("training_mode=true (random dropout) is not supported; inference treats Dropout as identity");
            }
        }
        identity(n, cx);
    }
}
