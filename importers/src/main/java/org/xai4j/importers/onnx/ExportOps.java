package org.xai4j.importers.onnx;

import static org.xai4j.importers.onnx.Emitter.integer;
import static org.xai4j.importers.onnx.Emitter.ints;
import static org.xai4j.importers.onnx.Emitter.real;
import static org.xai4j.importers.onnx.Emitter.tensor;
import static org.xai4j.importers.onnx.Emitter.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.NodeProto;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.BatchNorm2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Concat;
import org.xai4j.layers.Constant;
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
import org.xai4j.layers.Specialization;
import org.xai4j.layers.Tanh;

/**
 * The exporter's table, keyed by layer class: each entry writes one engine node as ONNX opset-13
 * nodes, attributes under their spec names. Each layer's semantics match its operator exactly,
 * which is what makes the round trip through {@link OnnxImporter} lossless: Conv2d's pads
 * [top, left, bottom, right] are ONNX's {@code pads} order, its "same" modes are {@code auto_pad},
 * AvgPool2d's divisor is {@code count_include_pad}, Linear's {@code x W^T + b} is Gemm with
 * {@code transB = 1}, Reshape's 0 and -1 are ONNX's (allowzero 0), Pad crops with negative pads
 * as ONNX does. Settings ONNX opset 13 cannot express are refused, naming the node.
 */
final class ExportOps {
    private ExportOps() {}

    @FunctionalInterface
    interface Writer {
        void write(Node node, Emitter out);
    }

    private static final Map<Class<?>, Writer> TABLE = table();

    private static Map<Class<?>, Writer> table() {
        Map<Class<?>, Writer> t = new LinkedHashMap<>();
        t.put(Conv2d.class, ExportOps::conv);
        t.put(BatchNorm2d.class, ExportOps::batchNorm);
        t.put(ReLU.class, (n, out) -> out.node("Relu", n));
        t.put(LeakyReLU.class, (n, out) -> out.node("LeakyRelu", n).addAttribute(real("alpha", ((LeakyReLU) n.layer()).alpha())));
        t.put(Clip.class, ExportOps::clip);
        t.put(Sigmoid.class, (n, out) -> out.node("Sigmoid", n));
        t.put(Tanh.class, (n, out) -> out.node("Tanh", n));
        t.put(Add.class, (n, out) -> out.node(n.inputs().size() == 2 ? "Add" : "Sum", n));
        t.put(Mul.class, (n, out) -> out.node("Mul", n));
        t.put(Concat.class, (n, out) -> out.node("Concat", n).addAttribute(integer("axis", ((Concat) n.layer()).axis())));
        t.put(Pad.class, ExportOps::pad);
        t.put(MaxPool2d.class, ExportOps::maxPool);
        t.put(AvgPool2d.class, ExportOps::avgPool);
        t.put(GlobalAvgPool.class, (n, out) -> out.node("GlobalAveragePool", n));
        t.put(GlobalMaxPool.class, (n, out) -> out.node("GlobalMaxPool", n));
        t.put(Linear.class, ExportOps::linear);
        t.put(Flatten.class, (n, out) -> out.node("Flatten", n).addAttribute(integer("axis", ((Flatten) n.layer()).axis())));
        t.put(Reshape.class, (n, out) -> out.node("Reshape", n, n.inputs().get(0), out.longs(n, "shape", ((Reshape) n.layer()).shape())));
        t.put(Softmax.class, (n, out) -> out.node("Softmax", n).addAttribute(integer("axis", ((Softmax) n.layer()).axis())));
        t.put(Identity.class, (n, out) -> out.node("Identity", n));
        t.put(Constant.class, (n, out) -> out.node("Constant", n)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(tensor("value", ((Constant) n.layer()).value()))));
        return t;
    }

    static List<String> supported() {
        return TABLE.keySet().stream().map(Class::getSimpleName).toList();
    }

    /** Writes {@code node}; a faster form of a layer ({@link Specialization}) is written as its reference layer. */
    static void write(Node node, Emitter out) {
        Layer<?> layer = Specialization.reference(node.layer());
        Writer w = TABLE.get(layer.getClass());
        if (w == null) {
            throw new IllegalArgumentException("node '" + node.name() + "' (" + node.layer().describe() + "): layer "
                    + node.layer().getClass().getSimpleName() + " cannot be exported to ONNX; supported: "
                    + String.join(", ", supported()));
        }
        w.write(layer == node.layer() ? node : new Node(node.name(), layer, node.inputs()), out);
    }

    // ---- window operators ----

    private static void conv(Node n, Emitter out) {
        Conv2d c = (Conv2d) n.layer();
        ConvSpec s = c.spec();
        INDArray w = c.weight();
        NodeProto.Builder p = c.bias() == null
                ? out.node("Conv", n, n.inputs().get(0), out.floats(n, "weight", w))
                : out.node("Conv", n, n.inputs().get(0), out.floats(n, "weight", w), out.floats(n, "bias", c.bias()));
        p.addAttribute(ints("kernel_shape", w.size(2), w.size(3)))
                .addAttribute(ints("strides", s.strideH(), s.strideW()))
                .addAttribute(ints("dilations", s.dilationH(), s.dilationW()))
                .addAttribute(integer("group", s.groups()));
        pads(p, n, out, s.padding(), new int[] {s.padTop(), s.padLeft(), s.padBottom(), s.padRight()},
                new int[] {(int) w.size(2), (int) w.size(3), s.strideH(), s.strideW(), s.dilationH(), s.dilationW()});
    }

    private static void batchNorm(Node n, Emitter out) {
        BatchNorm2d b = (BatchNorm2d) n.layer();
        out.node("BatchNormalization", n, n.inputs().get(0), out.floats(n, "gamma", b.gamma()), out.floats(n, "beta", b.beta()),
                        out.floats(n, "mean", b.mean()), out.floats(n, "var", b.var()))
                .addAttribute(real("epsilon", b.eps()));
    }

    private static void maxPool(Node n, Emitter out) {
        PoolSpec s = ((MaxPool2d) n.layer()).spec();
        window(out.node("MaxPool", n), n, out, s).addAttribute(ints("dilations", s.dilationH(), s.dilationW()));
    }

    private static void avgPool(Node n, Emitter out) {
        AvgPool2d a = (AvgPool2d) n.layer();
        PoolSpec s = a.spec();
        if (s.dilationH() != 1 || s.dilationW() != 1) {
            throw new IllegalArgumentException("node '" + n.name() + "' (" + a.describe() + "): ONNX AveragePool has no "
                    + "dilations before opset 19, and the export writes opset " + OnnxExporter.OPSET);
        }
        window(out.node("AveragePool", n), n, out, s).addAttribute(integer("count_include_pad", a.countIncludePad() ? 1 : 0));
    }

    private static NodeProto.Builder window(NodeProto.Builder p, Node n, Emitter out, PoolSpec s) {
        p.addAttribute(ints("kernel_shape", s.kernelH(), s.kernelW()))
                .addAttribute(ints("strides", s.strideH(), s.strideW()))
                .addAttribute(integer("ceil_mode", s.ceilMode() ? 1 : 0));
        return pads(p, n, out, s.padding(), new int[] {s.padTop(), s.padLeft(), s.padBottom(), s.padRight()},
                new int[] {s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), s.dilationH(), s.dilationW()});
    }

    /**
     * Explicit pads in ONNX order [top, left, bottom, right]. A "same" mode is written as the
     * explicit pads it gives at the node's input size when the graph fixes that size, else as
     * {@code auto_pad}, which ONNX computes as {@link Padding} does. Explicit is preferred: ONNX
     * Runtime refuses {@code auto_pad} SAME together with dilations ("Dilation not supported for
     * AutoPadType::SAME_UPPER"), and older runtimes differ in SAME_LOWER.
     *
     * @param window kernel H, W, stride H, W, dilation H, W
     */
    private static NodeProto.Builder pads(NodeProto.Builder p, Node n, Emitter out, Padding mode, int[] explicit, int[] window) {
        long[] x = out.inputShape(n);
        if (mode == Padding.EXPLICIT || x != null && x.length == 4 && x[2] > 0 && x[3] > 0) {
            int[] ph = mode.pads((int) x(x, 2), window[0], window[2], window[4], explicit[0], explicit[2]);
            int[] pw = mode.pads((int) x(x, 3), window[1], window[3], window[5], explicit[1], explicit[3]);
            return p.addAttribute(ints("pads", ph[0], pw[0], ph[1], pw[1]));
        }
        if (window[4] != 1 || window[5] != 1) {
            throw new IllegalArgumentException("node '" + n.name() + "' (" + n.layer().describe() + "): 'same' padding with "
                    + "dilations on an input of free size would be auto_pad, which ONNX Runtime cannot run with dilations; "
                    + "give the graph input a fixed height and width");
        }
        return p.addAttribute(text("auto_pad", mode.name()));
    }

    /** Dimension d of a known shape; 0 (unused by explicit pads) when the shape is unknown. */
    private static long x(long[] shape, int d) {
        return shape == null ? 0 : shape[d];
    }

    // ---- the rest ----

    /** Bounds are inputs since opset 11; an infinite bound is an absent input. */
    private static void clip(Node n, Emitter out) {
        Clip c = (Clip) n.layer();
        String x = n.inputs().get(0);
        String min = Double.isInfinite(c.min()) ? "" : out.scalar(n, "min", c.min());
        if (Double.isInfinite(c.max())) {
            out.node("Clip", n, min.isEmpty() ? new String[] {x} : new String[] {x, min});
        } else {
            out.node("Clip", n, x, min, out.scalar(n, "max", c.max()));
        }
    }

    private static void pad(Node n, Emitter out) {
        Pad p = (Pad) n.layer();
        out.node("Pad", n, n.inputs().get(0), out.longs(n, "pads", p.pads()), out.scalar(n, "value", p.value()))
                .addAttribute(text("mode", "constant"));
    }

    private static void linear(Node n, Emitter out) {
        Linear l = (Linear) n.layer();
        NodeProto.Builder p = l.bias() == null
                ? out.node("Gemm", n, n.inputs().get(0), out.floats(n, "weight", l.weight()))
                : out.node("Gemm", n, n.inputs().get(0), out.floats(n, "weight", l.weight()), out.floats(n, "bias", l.bias()));
        p.addAttribute(integer("transB", 1));
    }
}
