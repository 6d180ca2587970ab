package org.xai4j.importers.onnx;

import static org.xai4j.importers.onnx.OnnxOps.weight;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;

/**
 * Converters for the sliding-window operators: {@code Conv} (explicit or {@code auto_pad} pads,
 * groups, dilations), inference {@code BatchNormalization}, {@code MaxPool}, {@code AveragePool}
 * and the global pools. Window attributes ({@code kernel_shape}, {@code strides}, {@code pads},
 * {@code dilations}, {@code auto_pad}, {@code ceil_mode}) are read the same way for all of them.
 */
final class WindowOps {
    private WindowOps() {}

    // ---- convolution and normalization ----

    static void conv(OnnxNode n, Conversion cx) {
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

    static void batchNormalization(OnnxNode n, Conversion cx) {
        Attributes a = n.attributes();
        if (a.getInt("training_mode", 0) != 0) {
            throw n.error("training_mode=1 (batch statistics) is not supported; export the model in eval mode");
        }
        if (n.opset() < 9 && a.getInt("spatial", 1) != 1) {
            throw n.error("spatial=0 (per-activation statistics) is not supported; spatial=1 is");
        }
        a.ignore("momentum");
        OnnxOps.testModeOnly(n);
        int rank = cx.rank(n.input(0));
        if (rank != -1 && rank < 2) {
            throw n.error("BatchNormalization needs channels on axis 1 (rank >= 2); this input has rank " + rank);
        }
        INDArray gamma = weight(n, cx, 1, "scale");
        INDArray beta = weight(n, cx, 2, "B");
        INDArray mean = weight(n, cx, 3, "input_mean");
        INDArray var = weight(n, cx, 4, "input_var");
        double eps = a.getFloat("epsilon", 1e-5f);
        cx.emit(n, n.output(), new BatchNorm2d(gamma, beta, mean, var, eps), rank, n.input(0));
    }

    // ---- pooling ----

    static void maxPool(OnnxNode n, Conversion cx) {
        n.attributes().ignore("storage_order");
        cx.emit(n, n.output(), new MaxPool2d(poolSpec(n)), 4, n.input(0));
    }

    static void averagePool(OnnxNode n, Conversion cx) {
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

    static void globalPool(OnnxNode n, Conversion cx, org.xai4j.engine.Layer<?> layer) {
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
}
