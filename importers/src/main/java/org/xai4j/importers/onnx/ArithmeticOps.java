package org.xai4j.importers.onnx;

import static org.xai4j.importers.onnx.OnnxOps.weight;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.layers.Add;
import org.xai4j.layers.Linear;
import org.xai4j.layers.Mul;

/**
 * Converters for products and elementwise arithmetic: {@code Gemm} and {@code MatMul} with a
 * constant weight become {@link org.xai4j.layers.Linear} (alpha, beta and the transposes folded
 * into the weight at import); {@code Add} and {@code Mul} broadcast; {@code Sub} and {@code Div}
 * become Add and Mul of a negated or reciprocal constant.
 */
final class ArithmeticOps {
    private ArithmeticOps() {}

    // ---- linear algebra ----

    static void gemm(OnnxNode n, Conversion cx) {
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
        if (n.hasInput(2) && beta != 0 && !cx.isConstant(n.input(2))) {
            // A computed C (addmm of three tensors) is added after the product, scaled if beta != 1.
            extra = n.input(2);
            if (beta != 1) {
                String scale = n.output() + "/beta";
                cx.putConstant(scale, OnnxTensors.floats(new float[] {(float) beta}));
                extra = n.output() + "/beta_C";
                cx.emit(n, extra, new Mul(), cx.rank(n.input(2)), n.input(2), scale);
            }
        } else if (n.hasInput(2) && beta != 0) {
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

    static void matMul(OnnxNode n, Conversion cx) {
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

    static void add(OnnxNode n, Conversion cx) {
        if (!foldArithmetic(n, cx)) {
            cx.emit(n, n.output(), new Add(), broadcastRank(cx, n.input(0), n.input(1)), n.input(0), n.input(1));
        }
    }

    /** The variadic sum (one input or more), which the exporter writes for an Add of other than two inputs. */
    static void sum(OnnxNode n, Conversion cx) {
        String[] in = new String[n.inputCount()];
        if (in.length == 0) {
            throw n.error("Sum needs at least one input");
        }
        for (int i = 0; i < in.length; i++) {
            in[i] = n.input(i);
        }
        cx.emit(n, n.output(), new Add(), broadcastRank(cx, in), in);
    }

    static void mul(OnnxNode n, Conversion cx) {
        if (!foldArithmetic(n, cx)) {
            cx.emit(n, n.output(), new Mul(), broadcastRank(cx, n.input(0), n.input(1)), n.input(0), n.input(1));
        }
    }

    /** x - y as x + (-1) * y; a constant y is negated at import instead. */
    static void sub(OnnxNode n, Conversion cx) {
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
    static void div(OnnxNode n, Conversion cx) {
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
}
