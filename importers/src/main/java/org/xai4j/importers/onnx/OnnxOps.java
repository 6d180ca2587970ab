package org.xai4j.importers.onnx;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.GlobalMaxPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.LeakyReLU;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Reshape;
import org.xai4j.layers.Sigmoid;
import org.xai4j.layers.Softmax;
import org.xai4j.layers.Tanh;

/**
 * The table of converters, keyed by ONNX {@code op_type}: each reads a node's attributes by
 * their spec names and emits engine layers, or constants for shape arithmetic. The activations
 * and inference no-ops live here; the other converters are grouped in {@link WindowOps} (Conv,
 * BatchNormalization, pooling), {@link ArithmeticOps} (Gemm, MatMul, Add, Sub, Mul, Div),
 * {@link LayoutOps} (Flatten, Reshape, Concat, Pad) and {@link ShapeOps} (Constant, Shape,
 * Gather, Unsqueeze, Squeeze, Cast, Slice). Attribute defaults, and the inputs that replaced
 * attributes in later opsets, follow the ONNX operator specification
 * (https://onnx.ai/onnx/operators/).
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
        t.put("Conv", WindowOps::conv);
        t.put("BatchNormalization", WindowOps::batchNormalization);
        t.put("Relu", (n, cx) -> unary(n, cx, new ReLU()));
        t.put("Sigmoid", (n, cx) -> unary(n, cx, new Sigmoid()));
        t.put("Tanh", (n, cx) -> unary(n, cx, new Tanh()));
        t.put("LeakyRelu", (n, cx) -> unary(n, cx, new LeakyReLU(n.attributes().getFloat("alpha", 0.01f))));
        t.put("Clip", OnnxOps::clip);
        t.put("MaxPool", WindowOps::maxPool);
        t.put("AveragePool", WindowOps::averagePool);
        t.put("GlobalAveragePool", (n, cx) -> WindowOps.globalPool(n, cx, new GlobalAvgPool()));
        t.put("GlobalMaxPool", (n, cx) -> WindowOps.globalPool(n, cx, new GlobalMaxPool()));
        t.put("Flatten", LayoutOps::flatten);
        t.put("Gemm", ArithmeticOps::gemm);
        t.put("MatMul", ArithmeticOps::matMul);
        t.put("Add", ArithmeticOps::add);
        t.put("Sum", ArithmeticOps::sum);
        t.put("Sub", ArithmeticOps::sub);
        t.put("Mul", ArithmeticOps::mul);
        t.put("Div", ArithmeticOps::div);
        t.put("Concat", LayoutOps::concat);
        t.put("Pad", LayoutOps::pad);
        t.put("Reshape", LayoutOps::reshape);
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

    /** Before opset 7, BatchNormalization and Dropout ran in training mode unless is_test=1. */
    static void testModeOnly(OnnxNode n) {
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
