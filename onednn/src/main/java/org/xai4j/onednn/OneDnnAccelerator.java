package org.xai4j.onednn;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Accelerator;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Node;
import org.xai4j.engine.RectifierRule;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.Pad;
import org.xai4j.layers.Padding;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;

/**
 * The engine's {@link Accelerator} on oneDNN: convolutions (any stride, padding, dilation and
 * groups), ReLU, Clip, residual Add, max and average pooling, global average pooling and
 * identities, compiled into a {@link OneDnnPlan}. A zero Pad of the spatial axes (Keras's
 * ZeroPadding2D before a "valid" convolution or pooling) folds into the padding of the nodes that
 * read it ({@link #foldsInto}). Active on ND4J's CPU backend when the {@code org.bytedeco:dnnl}
 * native library is on the class path; the engine runs node by node otherwise. A specialized
 * layer ({@code PointwiseConv2d}, {@code ReLU6}, ...) is taken as its reference layer: the plan
 * needs its geometry and weights, not its kernel.
 */
public final class OneDnnAccelerator implements Accelerator {

    public OneDnnAccelerator() {
        if (!Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu")) {
            // Plans read and write host memory: on a GPU backend the engine runs node by node.
            throw new IllegalStateException("oneDNN plans need ND4J's CPU backend, not " + Nd4j.getBackend().getClass().getSimpleName());
        }
        Dnnl.ENGINE.address(); // loads the native library now, so a failure disables acceleration at once
    }

    @Override
    public boolean supports(Node node) {
        Object layer = Specialization.reference(node.layer());
        if (layer instanceof Conv2d c) {
            return isFloat(c);
        }
        if (layer instanceof Add) {
            return node.inputs().size() == 2;
        }
        if (layer instanceof Linear l) {
            return isFloat(l.weight(), l.bias());
        }
        return layer instanceof ReLU || layer instanceof Clip || layer instanceof MaxPool2d || layer instanceof AvgPool2d
                || layer instanceof GlobalAvgPool || layer instanceof Identity || spatialPadding(layer) != null
                || flattensToRows(layer);
    }

    /**
     * A zero Pad only where every node that reads it folds it in ({@link #foldsInto}). Where its
     * value itself is wanted (a graph output), {@link #canReturn} ends the stretch before it.
     */
    @Override
    public boolean supports(Graph graph, Node node) {
        if (!supports(node) || !classifierHead(graph, node)) {
            return false;
        }
        if (!(node.layer() instanceof Pad)) {
            return true;
        }
        String from = node.inputs().get(0);
        Node producer = graph.isInput(from) ? null : graph.node(from);
        for (Node reader : graph.nodes()) {
            if (reader.inputs().contains(node.name()) && !foldsInto(reader, spatialPadding(node.layer()), producer)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A classifier head, Flatten then Linear, runs in a plan as one oneDNN inner product over the
     * four-dimensional value before the Flatten (which is no op of its own: the product sums over
     * channels and positions in the Flatten's order). So: a Flatten only where its input is computed
     * (not the plan's own input) and every reader is a Linear; a Linear only over such a Flatten;
     * nothing in a plan reads the two-dimensional values they stand for; at most
     * {@link #MAX_HEAD_WEIGHTS} weights (the plan keeps a reordered copy of them). Other nodes: true.
     */
    static boolean classifierHead(Graph graph, Node node) {
        Object layer = Specialization.reference(node.layer());
        for (String in : node.inputs()) {
            Object from = graph.isInput(in) ? null : Specialization.reference(graph.node(in).layer());
            if (layer instanceof Linear) {
                // The Flatten's own check covers its readers: float32, at most MAX_HEAD_WEIGHTS.
                if (!flattensToRows(from) || !classifierHead(graph, graph.node(in))) {
                    return false;
                }
            } else if (from instanceof Linear || flattensToRows(from) || flattensToRows(layer) && from == null) {
                return false;
            }
        }
        if (flattensToRows(layer)) {
            boolean read = false;
            for (Node reader : graph.nodes()) {
                if (reader.inputs().contains(node.name())) {
                    read = true;
                    if (!(Specialization.reference(reader.layer()) instanceof Linear l) || !isFloat(l.weight(), l.bias())
                            || l.weight().length() > MAX_HEAD_WEIGHTS) {
                        return false;
                    }
                }
            }
            return read;
        }
        return true;
    }

    /**
     * The most weights a classifier head may have to run in a plan: 16 million (64 MB), 8 times
     * ResNet-50's. A plan holds its own reordered copy of them; VGG-16's first fully connected layer
     * (103 million) would double 411 MB, so such a head stays with the engine, which reads the
     * model's own array.
     */
    static final long MAX_HEAD_WEIGHTS = 1L << 24;

    /** A Flatten that keeps the batch axis: [N, C, H, W] to [N, C x H x W]. */
    static boolean flattensToRows(Object layer) {
        return layer instanceof Flatten f && f.axis() == 1;
    }

    /** A folded Pad, or a Flatten folded into its Linear readers, has no buffer of its own to hand back. */
    @Override
    public boolean canReturn(Node node) {
        return spatialPadding(node.layer()) == null && !flattensToRows(Specialization.reference(node.layer()));
    }

    private static boolean isFloat(Conv2d c) {
        return isFloat(c.weight(), c.bias());
    }

    /** Float32 weights, and a float32 bias or none. */
    private static boolean isFloat(INDArray weight, INDArray bias) {
        return weight.dataType() == DataType.FLOAT && (bias == null || bias.dataType() == DataType.FLOAT);
    }

    /**
     * Whether a zero Pad of {@code pad} = {top, left, bottom, right}, whose input {@code producer}
     * computes (null: the graph input), folds into the padding of {@code reader}, its only input:
     * <ul>
     *   <li>a convolution: zeros are what its own padding adds;</li>
     *   <li>max pooling with explicit pads and floor rounding, when the padded value is never
     *       negative (a ReLU's output, or a Clip's with min >= 0) and every window still overlaps
     *       the input (pads below the kernel size): a zero then never beats the window's largest
     *       input. Where the largest is itself 0 the pooling's gradient may go to a different
     *       zero, and that ReLU's (or Clip's) backward sends 0 on from there either way.</li>
     * </ul>
     */
    static boolean foldsInto(Node reader, long[] pad, Node producer) {
        if (pad == null || reader.inputs().size() != 1) {
            return false;
        }
        Object layer = Specialization.reference(reader.layer());
        if (layer instanceof Conv2d c) {
            return isFloat(c);
        }
        if (layer instanceof MaxPool2d m && producer != null) {
            Object before = Specialization.reference(producer.layer());
            boolean nonNegative = before instanceof ReLU || before instanceof Clip clip && clip.min() >= 0;
            PoolSpec p = m.spec();
            return nonNegative && p.padding() == Padding.EXPLICIT && !p.ceilMode()
                    && p.padTop() + pad[0] < p.kernelH() && p.padLeft() + pad[1] < p.kernelW()
                    && p.padBottom() + pad[2] < p.kernelH() && p.padRight() + pad[3] < p.kernelW();
        }
        return false;
    }

    /**
     * The {top, left, bottom, right} padding of a Pad with value 0 on the two spatial axes only
     * (rank 4, nothing negative); null for any other layer.
     */
    static long[] spatialPadding(Object layer) {
        if (!(layer instanceof Pad p) || p.value() != 0) {
            return null;
        }
        long[] q = p.pads(); // [N, C, H, W begins, then N, C, H, W ends]
        if (q.length != 8 || q[0] != 0 || q[1] != 0 || q[4] != 0 || q[5] != 0 || q[2] < 0 || q[3] < 0 || q[6] < 0 || q[7] < 0) {
            return null;
        }
        return new long[] {q[2], q[3], q[6], q[7]};
    }

    /**
     * The OpenMP threads of this thread: oneDNN sizes a kernel's work for them when it creates it,
     * and a plan splits its steps over as many ({@link ChannelSplit#parts}). A plan compiled on a
     * thread of one OpenMP thread, run by a thread of two, ran ResNet-50's IG-32 in 3875 ms
     * against 2296 for its own plan (Intel host, AVX-512).
     */
    @Override
    public String context() {
        return "OpenMP threads " + Crew.openMpThreads();
    }

    @Override
    public Plan compile(List<Node> nodes, String input, long[] inputShape, Set<String> outputs) {
        return Winograd.plan(winograd -> widest(layout -> new OneDnnPlan(nodes, input, inputShape, outputs, false, Map.of(), layout, winograd)));
    }

    /**
     * The plan in the host's layout ({@link ActivationLayout#HOST}), unless that leaves more
     * primitives to oneDNN's reference loops than blocks of 8 channels do: then the plan in blocks
     * of 8. At AVX-512 a grouped convolution whose groups have 8 mod 16 channels has no jit kernel
     * on nChw16c (a reference loop) but its AVX2 one on nChw8c; such a plan runs nChw8c throughout,
     * as every plan did before the block followed the ISA. (Reorders around that one convolution
     * would keep the rest at AVX-512: not done yet.) A plan split by rows ({@link RowSplit}, nhwc)
     * that leaves a reference loop compiles by channel blocks first.
     */
    private static OneDnnPlan widest(Function<ActivationLayout, OneDnnPlan> compile) {
        ActivationLayout host = ActivationLayout.HOST;
        OneDnnPlan plan = compile.apply(host);
        if (plan.referenceKernels() > 0 && plan.startsByRows()) {
            plan = fewerReferenceKernels(plan, () -> RowSplit.declined(() -> compile.apply(host)));
        }
        if (plan.referenceKernels() == 0 || host.block() == 8) {
            return plan;
        }
        return fewerReferenceKernels(plan, () -> RowSplit.declined(() -> compile.apply(host.narrower())));
    }

    /**
     * Whichever of {@code plan} and the plan {@code alternative} compiles leaves fewer kernels to
     * reference loops: {@code plan} on a tie or when the alternative cannot compile. The other is closed.
     */
    private static OneDnnPlan fewerReferenceKernels(OneDnnPlan plan, Supplier<OneDnnPlan> alternative) {
        OneDnnPlan other;
        try {
            other = alternative.get();
        } catch (UnsupportedOperationException e) {
            return plan;
        } catch (RuntimeException | Error e) {
            plan.close();
            throw e;
        }
        boolean better = other.referenceKernels() < plan.referenceKernels();
        (better ? plan : other).close();
        return better ? other : plan;
    }

    /**
     * Every operator above but the classifier head has its input gradient in OneDnnBackward. The
     * head's backward stays with the engine, whose {@code SparseSeedLinear} reads one row of the
     * weights for an explanation's one-class seed where a product would read them all.
     */
    @Override
    public boolean supportsBackward(Node node) {
        Object layer = Specialization.reference(node.layer());
        return supports(node) && !(layer instanceof Linear) && !flattensToRows(layer);
    }

    @Override
    public Plan compileForBackward(List<Node> nodes, String input, long[] inputShape, Set<String> outputs) {
        return compileForBackward(nodes, input, inputShape, outputs, Map.of());
    }

    /** Both rules on a ReLU or a Clip from 0: a rectified copy of dy, in place, after or instead of the mask. */
    @Override
    public boolean supportsRule(Node node, RectifierRule rule) {
        Object layer = Specialization.reference(node.layer());
        return layer instanceof ReLU || layer instanceof Clip c && c.min() == 0;
    }

    @Override
    public Plan compileForBackward(List<Node> nodes, String input, long[] inputShape, Set<String> outputs,
                                   Map<String, RectifierRule> rules) {
        return Winograd.plan(winograd -> widest(layout -> new OneDnnPlan(nodes, input, inputShape, outputs, true, rules, layout, winograd)));
    }
}
