package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_inner_product_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.xai4j.engine.Accelerator;
import org.xai4j.engine.Layer;
import org.xai4j.engine.Memory;
import org.xai4j.engine.Node;
import org.xai4j.engine.RectifierRule;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.Flatten;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.Linear;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.PoolGeometry;
import org.xai4j.layers.PoolSpec;
import org.xai4j.layers.Specialization;

/**
 * A run of inference nodes compiled into oneDNN primitives, as an optimising inference engine
 * would: every weight reordered once into the blocked layout its kernel wants, every activation
 * kept in oneDNN's channel-blocked layout of the host's widest kernels ({@link ActivationLayout}:
 * nChw16c at AVX-512, nChw8c below; nhwc in a plan split by rows, {@link RowSplit}) from one
 * primitive to the next, ReLU and Clip
 * fused into the convolution before them, a residual addition fused into one of its
 * convolutions as an in-place sum, and a depthwise 3x3 convolution into the 1x1 before it where
 * oneDNN has that kernel ({@link DepthwiseFusion}). Buffers and the scratchpad are allocated once, at
 * compile time, and reused by every run; a buffer is shared by values whose lifetimes do not
 * overlap.
 *
 * <p>The node-by-node engine is the reference: {@code OneDnnPlanTest} runs both on the same
 * graphs and compares every returned value.
 */
final class OneDnnPlan implements Accelerator.Plan {

    /** A value in the plan: its NCHW shape, its memory layout and the buffer it lives in. */
    static final class Value {
        final long[] shape;
        dnnl_memory_desc_t md;
        Buffer buffer;
        /** Where the value starts in its buffer, in bytes (a split step's part may hold a stretch of one). */
        long offset;
        dnnl_memory memory;
        int lastUse = -1;

        Value(long[] shape) {
            this.shape = shape;
        }
    }

    /**
     * A native buffer, aligned to 64 bytes, that several values may occupy one after another; in
     * guarded mode it sits between two canary areas of {@code canary} bytes ({@link Guards}).
     */
    static final class Buffer {
        final BytePointer block;
        final long address;
        final long bytes;
        final long canary;

        Buffer(long bytes, long canary) {
            this.bytes = bytes;
            this.canary = canary;
            this.block = new BytePointer(bytes + 2 * canary + 64);
            this.address = ((block.address() + 63) & ~63L) + canary;
        }
    }

    /**
     * One primitive to execute on {@code stream}, with its arguments bound. A part of a split step
     * ({@link ChannelSplit}) has a stream of its own and also names the stretch of its destination
     * buffer it may write, {@code [from, to)} bytes, which guarded mode checks. Running a step
     * executes it and nothing else (no guard); the {@link Crew} runs parts so.
     */
    private record Step(dnnl_primitive primitive, dnnl_exec_arg_t args, int count, String what, dnnl_stream stream,
                        Buffer dst, long from, long to) implements Runnable {
        Step(dnnl_primitive primitive, dnnl_exec_arg_t args, int count, String what, dnnl_stream stream) {
            this(primitive, args, count, what, stream, null, 0, 0);
        }

        @Override
        public void run() {
            Dnnl.execute(primitive, stream, args, count, what);
        }
    }

    /** A value to hand back: a reorder from its plan layout into a plain NCHW array. */
    private record Output(String name, long[] shape, dnnl_memory plain, dnnl_primitive reorder, dnnl_exec_arg_t args, Buffer stage) {}

    private final String input;
    private final long[] inputShape;
    private final dnnl_stream stream = Dnnl.stream();
    private dnnl_memory inputMemory;
    /** The parts of the plan's own input that steps split by images read: pointed at their images every run. */
    private final List<Value> inputParts = new ArrayList<>();
    /** The reorder of a deep input into the plan's layout, run first ({@link #PLAIN_INPUT_CHANNELS}); null when none. */
    private Step inputReorder;
    /**
     * Steps, with the outputs to copy out after each (a buffer may be overwritten later). A step is
     * one primitive, or the parts of a split one, each run by one thread of the {@link Crew}: part i
     * on stream i with scratchpad i.
     */
    private final List<Step[]> steps = new ArrayList<>();
    /**
     * Split steps that run as one task per thread ({@link Chains}): {@code chainEnd[t]} is one past
     * the last step of the chain starting at step t, and {@code chains.get(t)} its tasks (null
     * where no chain of two or more steps starts).
     */
    private int[] chainEnd;
    private final List<Runnable[]> chains = new ArrayList<>();
    private final List<List<Output>> outputsAfter = new ArrayList<>();
    /** Weights reordered for a kernel, by the layer array they came from (identity), shared by the parts of a split step. */
    private final Map<INDArray, List<Reordered>> reordered = new IdentityHashMap<>();

    private record Reordered(int groups, dnnl_memory_desc_t md, dnnl_memory memory) {}
    final List<String> description = new ArrayList<>();
    Buffer scratchpad;
    /** How many parts a step may split into (1: none), and the streams and scratchpads of parts 1 and on. */
    private final int parts;
    private final List<dnnl_stream> partStreams = new ArrayList<>();
    private final List<Buffer> partScratchpads = new ArrayList<>();
    private int splitSteps;
    private final boolean training;
    /**
     * The layout activations are written in (its channel block follows the ISA): while the plan
     * compiles, of the step being built; a mixed plan ({@link MixedLayout}) changes it from
     * channels last to {@link #blocks} at its switch.
     */
    ActivationLayout layout;
    /** The channel-blocked layout a mixed plan goes on in after its switch (null: the plan keeps one layout). */
    private final ActivationLayout blocks;
    /** Whether the plan's first steps run channels last, split by rows. */
    private boolean startsByRows;
    /** The 1x1 -> depthwise 3x3 pairs the fusion pass found, and how many oneDNN runs as one primitive. */
    private int depthwisePairs;
    private int depthwiseFused;
    /** How many of the plan's primitives got a reference kernel (oneDNN's "ref:..." loops). */
    private int referenceKernels;
    /** Rectifier rules that replace the backward of these nodes (training plans). */
    final Map<String, RectifierRule> rules;
    private OneDnnBackward backward;
    private long runs;
    private boolean closed;
    /** Canaries around every buffer, checked after every primitive; null unless asked for. */
    private final Guards guards = Guards.requested() ? new Guards() : null;
    /** Every native object this plan created, destroyed in reverse order by {@link #close}. */
    private final List<Runnable> destroy = new ArrayList<>();
    /** Whether this plan tries Winograd kernels ({@link Winograd}). */
    private final boolean tryWinograd;
    /** The convolutions' multiply-adds per run (a backward plan's: forward and backward). */
    private long convolutionMacs;
    /** The convolutions that could run as Winograd, their weights, and how many do. */
    private int winogradEligible;
    private long winogradWeights;
    private int winogradUsed;
    /** Of those, how many a backward plan runs as Winograd too ({@link OneDnnBackward}: the flipped convolution). */
    private int backwardWinogradEligible;
    private int backwardWinogradUsed;
    /** Guarded mode: the caller's input is copied here, so that it too has canaries. */
    private Buffer inputStage;

    /**
     * Inputs of up to this many channels (an image's) go to the first primitive as plain NCHW, which
     * oneDNN's first-convolution kernels read directly. A deeper input (a plan that starts inside a
     * network, as the rest of a receptive-field occlusion does) is reordered into the plan's layout
     * first: on plain NCHW of 1024 channels oneDNN 2.5.2 left a 1x1 convolution and an Add to its
     * reference loops, and that plan ran 19 times slower than the whole network.
     */
    static final long PLAIN_INPUT_CHANNELS = 3;

    /**
     * The forward pooling kernel taken wherever oneDNN offers it (on nChw8c and nhwc, at every
     * ISA): oneDNN 2.5.2's SSE4.1 one. On the Intel host its AVX2 and AVX kernels ran max pooling
     * 4-10x slower (ResNet's 3x3 stride 2 over 64 x 112 x 112, batch 8: 10.4 ms in training, 3.8
     * in inference, against 1.1 and 0.8; a row part at batch 1, nhwc: 0.51 against 0.11 ms) and
     * average pooling 1.6x; its AVX-512 kernel on nhwc 1.6x (0.30 against 0.19 ms). Upstream
     * found and removed SSE/AVX transitions in these kernels after 2.5.2 (oneDNN pull request
     * 1457). Backward keeps oneDNN's choice: there the SSE4.1 kernel is the slow one (max
     * pooling 50 ms against 6).
     */
    static final String POOLING_KERNEL = "jit:sse41";

    /**
     * @param training keep what {@link #backward} needs: every activation in its own buffer, max
     *     pooling's switches, no in-place residual sums
     * @param rules rectifier rules (guided backprop, deconvnet) for the backward of these nodes
     * @param layout the activations' layout, {@link ActivationLayout#HOST} but where it leaves a
     *     kernel to a reference loop ({@link OneDnnAccelerator})
     * @param winograd try Winograd kernels for the forward convolutions that could have them
     */
    OneDnnPlan(List<Node> nodes, String input, long[] inputShape, Set<String> outputs, boolean training,
               Map<String, RectifierRule> rules, ActivationLayout layout, boolean winograd) {
        this.training = training;
        this.tryWinograd = winograd;
        this.rules = Map.copyOf(rules);
        this.input = input;
        this.inputShape = inputShape.clone();
        List<Node> ops = nodes.stream().map(OneDnnPlan::reference).toList();
        this.parts = ChannelSplit.parts(training, ops, input, inputShape);
        boolean rows = parts > 1 && inputShape[0] == 1 && RowSplit.preferred(ops, input, inputShape);
        boolean mixes = parts > 1 && inputShape[0] == 1 && !layout.channelsLast() && RowSplit.mayMix() && (!rows || MixedLayout.named());
        this.blocks = mixes ? layout : null;
        this.layout = rows || blocks != null ? layout.withChannelsLast() : layout;
        try {
            if (parts > 1) {
                // A split plan runs on one OpenMP thread per part: everything in it is created for one
                // thread (oneDNN sizes a kernel's work for the threads it has when it is created).
                Crew.singleThreaded(() -> {
                    compile(ops, outputs);
                    return null;
                });
            } else {
                compile(ops, outputs);
            }
        } catch (RuntimeException | Error e) {
            close(); // what was created before the failure is released now, not left to the GC
            throw e;
        }
    }

    /** The node with a specialized layer's reference layer, which the ops below read (geometry, weights). */
    private static Node reference(Node n) {
        Layer<?> layer = Specialization.reference(n.layer());
        return layer == n.layer() ? n : new Node(n.name(), layer, n.inputs());
    }

    private void compile(List<Node> nodes, Set<String> outputs) {
        Map<String, String> alias = new HashMap<>();
        // A zero Pad is no op of its own: it folds into the padding of the nodes reading it.
        record Folded(String from, long[] pad, Node producer) {}
        Map<String, Folded> folded = new HashMap<>();
        Map<String, Node> byName = new HashMap<>();
        Set<String> flattened = new HashSet<>();
        List<OneDnnFusion.Op> ops = new ArrayList<>();
        for (Node n : nodes) {
            byName.put(n.name(), n);
            List<String> in = n.inputs().stream().map(i -> alias.getOrDefault(i, i)).toList();
            long[] pad = OneDnnAccelerator.spatialPadding(n.layer());
            Folded f = in.size() == 1 ? folded.get(in.get(0)) : null;
            if (n.layer() instanceof Identity || OneDnnAccelerator.flattensToRows(n.layer())) {
                // A Flatten is read only by Linear ops (OneDnnAccelerator.classifierHead), which read
                // the four-dimensional value before it as their inner product's source.
                alias.put(n.name(), in.get(0));
                if (n.layer() instanceof Flatten) {
                    flattened.add(n.name());
                }
            } else if (pad != null) {
                folded.put(n.name(), new Folded(in.get(0), pad, byName.get(n.inputs().get(0))));
            } else if (f != null && OneDnnAccelerator.foldsInto(n, f.pad(), f.producer())) {
                OneDnnFusion.Op op = new OneDnnFusion.Op(n, List.of(f.from()));
                op.pad = f.pad();
                op.fused.add(in.get(0));
                ops.add(op);
            } else {
                for (String i : in) {
                    if (folded.containsKey(i)) {
                        throw new UnsupportedOperationException("the Pad " + i + " is read by " + n.name() + ", which cannot fold it in");
                    }
                }
                ops.add(new OneDnnFusion.Op(n, in));
            }
        }
        for (String o : outputs) {
            if (folded.containsKey(alias.getOrDefault(o, o))) {
                throw new UnsupportedOperationException("the padded value " + o + " is wanted: a folded Pad has no buffer");
            }
            if (flattened.contains(o)) {
                throw new UnsupportedOperationException("the flattened value " + o + " is wanted: a Flatten folded into its Linear has no buffer");
            }
        }
        Map<String, Value> values = new LinkedHashMap<>();
        Value x = new Value(inputShape.clone());
        x.md = Dnnl.md(inputShape, dnnl_abcd);
        values.put(input, x);
        for (OneDnnFusion.Op op : ops) {
            values.put(op.out, new Value(outputShape(op, values)));
        }
        // Aliases (identities) that the caller wants resolve to the value they stand for.
        Map<String, String> wanted = new LinkedHashMap<>();
        for (String o : outputs) {
            wanted.put(o, alias.getOrDefault(o, o));
        }
        Map<String, long[]> shapes = new HashMap<>();
        values.forEach((name, v) -> shapes.put(name, v.shape));
        OneDnnFusion.fuse(ops, Set.copyOf(wanted.values()), training, shapes, layout, tryWinograd && ActivationLayout.avx512(layout.isa()));
        if (!training && parts == 1 && DepthwiseFusion.requested()) {
            DepthwiseFusion.fuse(ops, Set.copyOf(wanted.values()), shapes);
        }
        if (blocks != null) {
            int k = MixedLayout.switchAfter(ops, input, shapes, tryWinograd && ActivationLayout.avx512(blocks.isa()));
            if (k < 0) {
                layout = blocks; // no place to switch: channel blocks throughout
            } else {
                MixedLayout.insert(ops, k, values);
            }
        }
        startsByRows = layout.channelsLast();
        lastUses(ops, values);
        if (guarded()) {
            inputStage = buffer(Dnnl.bytes(x.md));
        }
        this.inputMemory = memory(x.md, inputStage == null ? 0 : inputStage.address);
        x.memory = inputMemory;
        // A plan split by rows reorders even an image: the rows of planes are no stretch of memory.
        if (!training && (inputShape[1] > PLAIN_INPUT_CHANNELS || layout.channelsLast())) {
            dnnl_memory_desc_t plainMd = x.md;
            x.md = Dnnl.md(inputShape, layout.tag());
            x.buffer = buffer(Dnnl.bytes(x.md));
            x.memory = memory(x.md, x.buffer.address);
            inputReorder = new Step(primitive(reorderPd(plainMd, x.md)), args(new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, inputMemory,
                    x.memory), 2, "input reorder", stream);
        }
        build(ops, values, wanted);
    }

    /** Marks each value with the position of the last op that reads it (-1: none). */
    private static void lastUses(List<OneDnnFusion.Op> ops, Map<String, Value> values) {
        values.values().forEach(v -> v.lastUse = -1);
        for (int t = 0; t < ops.size(); t++) {
            for (String in : ops.get(t).reads()) {
                values.get(in).lastUse = t;
            }
        }
    }

    // ---- shapes ----------------------------------------------------------------------------

    /**
     * The op's output shape, by the layer's own rule. A shape the layer rejects makes the plan
     * uncompilable, so the engine runs the nodes itself and reports the error as it always does.
     */
    private static long[] outputShape(OneDnnFusion.Op op, Map<String, Value> values) {
        try {
            return shapeOf(op, values);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedOperationException(op.node.name() + ": " + e.getMessage(), e);
        }
    }

    private static long[] shapeOf(OneDnnFusion.Op op, Map<String, Value> values) {
        long[] x = values.get(op.in.get(0)).shape;
        if (op.node.layer() instanceof Conv2d c) {
            return c.outputShape(padded(x, op.pad));
        }
        if (op.node.layer() instanceof Linear l) {
            // Over the value before its Flatten: [N, C, H, W] with C x H x W inputs per row.
            return l.outputShape(new long[] {x[0], x.length == 4 ? x[1] * x[2] * x[3] : -1});
        }
        Pooling pooling = Pooling.of(op, x);
        if (pooling != null) {
            PoolGeometry g = PoolGeometry.of(pooling.spec(), x);
            return new long[] {x[0], x[1], g.OH(), g.OW()};
        }
        if (op.node.layer() instanceof Add) {
            for (String in : op.in) {
                if (!Arrays.equals(values.get(in).shape, x)) {
                    throw new UnsupportedOperationException("Add with broadcasting: " + op.node.name());
                }
            }
            if (op.in.size() != 2) {
                throw new UnsupportedOperationException("Add of " + op.in.size() + " inputs: " + op.node.name());
            }
        }
        return x.clone();
    }

    /** A pooling layer as oneDNN sees it: its algorithm and window (global pooling: the whole map). */
    record Pooling(int algorithm, PoolSpec spec) {
        /** The op's pooling, with the padding of a Pad folded into it added to its own. */
        static Pooling of(OneDnnFusion.Op op, long[] xShape) {
            Pooling p = of(op.node.layer(), xShape);
            if (p == null || op.pad == null) {
                return p;
            }
            PoolSpec s = p.spec();
            return new Pooling(p.algorithm(), s.withPadding(s.padTop() + (int) op.pad[0], s.padLeft() + (int) op.pad[1],
                    s.padBottom() + (int) op.pad[2], s.padRight() + (int) op.pad[3]));
        }

        static Pooling of(Object layer, long[] xShape) {
            if (layer instanceof MaxPool2d m) {
                return new Pooling(dnnl_pooling_max, m.spec());
            }
            if (layer instanceof AvgPool2d a) {
                return new Pooling(a.countIncludePad() ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding, a.spec());
            }
            if (layer instanceof GlobalAvgPool) {
                return new Pooling(dnnl_pooling_avg_exclude_padding, PoolSpec.of((int) xShape[2], (int) xShape[3]));
            }
            return null;
        }
    }

    /**
     * A convolution's window for oneDNN: {strides, dilation (counted from 0), pads begin, pads end}.
     * {@code pad}: a folded Pad's {top, left, bottom, right} before the convolution's own (or null).
     */
    static long[][] convWindow(Conv2d c, long[] xShape, long[] pad) {
        long[] in = padded(xShape, pad);
        long[] p = pad == null ? new long[4] : pad;
        Conv2d.Plan own = c.plan((int) in[2], (int) in[3]);
        return new long[][] {{c.spec().strideH(), c.spec().strideW()}, {c.spec().dilationH() - 1, c.spec().dilationW() - 1},
            {own.top() + p[0], own.left() + p[1]}, {own.bottom() + p[2], own.right() + p[3]}};
    }

    /** An NCHW shape grown by {top, left, bottom, right} (unchanged for null). */
    private static long[] padded(long[] shape, long[] pad) {
        return pad == null ? shape : new long[] {shape[0], shape[1], shape[2] + pad[0] + pad[2], shape[3] + pad[1] + pad[3]};
    }

    /** Weight descriptor in the layout the kernel chooses, for {@code cIn} input channels per group. */
    static dnnl_memory_desc_t weightsAnyLayout(Conv2d c, long cIn) {
        long K = c.weight().size(0), R = c.weight().size(2), S = c.weight().size(3);
        int G = c.spec().groups();
        return Dnnl.md(G == 1 ? new long[] {K, cIn, R, S} : new long[] {G, K / G, cIn, R, S}, dnnl_format_tag_any);
    }

    /** A native buffer that lives as long as the plan (memory objects point into it). */
    Buffer buffer(long bytes) {
        Buffer b = new Buffer(bytes, guards == null ? 0 : Guards.canaryBytes(bytes));
        own(b);
        if (guards != null) {
            guards.watch(b);
        }
        return b;
    }

    /**
     * Registers a native object this plan created, so that {@link #close} destroys it: primitives,
     * primitive descriptors (which hold the attributes' and post-ops' copies), attributes, post-ops,
     * memory objects, buffers and JavaCPP structs.
     */
    <T> T own(T object) {
        Runnable release;
        if (object instanceof dnnl_primitive p) {
            release = () -> dnnl_primitive_destroy(p);
        } else if (object instanceof dnnl_primitive_desc pd) {
            release = () -> dnnl_primitive_desc_destroy(pd);
        } else if (object instanceof dnnl_primitive_attr a) {
            release = () -> dnnl_primitive_attr_destroy(a);
        } else if (object instanceof dnnl_post_ops po) {
            release = () -> dnnl_post_ops_destroy(po);
        } else if (object instanceof dnnl_memory m) {
            release = () -> dnnl_memory_destroy(m);
        } else if (object instanceof Buffer b) {
            release = b.block::close;
        } else if (object instanceof dnnl_stream st) {
            release = () -> dnnl_stream_destroy(st);
        } else if (object instanceof Pointer p) {
            release = p::close;
        } else {
            throw new IllegalArgumentException("not a native object: " + object);
        }
        destroy.add(release);
        return object;
    }

    /** A primitive descriptor this plan owns (see {@link Dnnl#pd}). */
    dnnl_primitive_desc pd(Pointer opDesc, dnnl_primitive_attr attr, dnnl_primitive_desc hint, String what) {
        return own(Dnnl.pd(own(opDesc), attr, hint, what));
    }

    /** A primitive descriptor this plan owns, of the implementation named {@code preferred} where oneDNN offers it. */
    dnnl_primitive_desc pd(Pointer opDesc, dnnl_primitive_attr attr, dnnl_primitive_desc hint, String preferred, String what) {
        return own(Dnnl.pd(own(opDesc), attr, hint, preferred, what));
    }

    /** A primitive this plan owns. */
    dnnl_primitive primitive(dnnl_primitive_desc pd) {
        return own(Dnnl.primitive(pd));
    }

    /** A reorder primitive descriptor this plan owns. */
    dnnl_primitive_desc reorderPd(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        return own(Dnnl.reorderPd(from, to));
    }

    /** Execution arguments this plan owns (see {@link Dnnl#args}). */
    dnnl_exec_arg_t args(int[] kinds, dnnl_memory... memories) {
        return own(Dnnl.args(kinds, memories));
    }

    /** An attribute (user scratchpad) this plan owns. */
    dnnl_primitive_attr attr() {
        return own(Dnnl.attr());
    }

    /**
     * Executes one primitive on the plan's stream. In guarded mode it waits for it and checks every
     * canary, so that an out-of-bounds write is reported with the primitive that made it.
     */
    void execute(dnnl_primitive p, dnnl_exec_arg_t args, int count, String what) {
        Dnnl.execute(p, stream, args, count, what);
        guard(what);
    }

    /** Guarded mode: waits for the stream and checks every canary ({@code what} ran last). */
    void guard(String what) {
        if (guards != null) {
            Dnnl.check(dnnl_stream_wait(stream), "dnnl_stream_wait");
            guards.check(what);
        }
    }

    boolean guarded() {
        return guards != null;
    }

    /** The kernel of a primitive the plan runs, as its description names it; reference ones are counted. */
    String kernel(dnnl_primitive_desc pd) {
        String name = Dnnl.implementation(pd);
        referenceKernels += name.startsWith("ref") ? 1 : 0;
        return name;
    }

    /** How many primitives of the plan (forward and backward) run oneDNN's reference loops. */
    int referenceKernels() {
        return referenceKernels;
    }

    // ---- primitives and buffers ------------------------------------------------------------

    private void build(List<OneDnnFusion.Op> ops, Map<String, Value> values, Map<String, String> wanted) {
        List<Buffer> free = new ArrayList<>();
        Map<Buffer, Integer> users = new HashMap<>();
        List<dnnl_primitive_desc> pds = new ArrayList<>();
        List<dnnl_memory_desc_t> scratch = new ArrayList<>();
        long scratchBytes = 0;
        // Split steps: each op's parts with their descriptors (null: whole); part i > 0 has a scratchpad of its own.
        record Built(ChannelSplit.Part part, dnnl_primitive_desc pd, dnnl_memory_desc_t scratch) {}
        List<List<Built>> splits = new ArrayList<>();
        List<List<List<Chains.Access>>> accesses = new ArrayList<>(); // per split step and part, for chains (null: whole)
        long[] partScratchBytes = new long[Math.max(parts - 1, 0)];
        description.add(layout.describe() + (inputReorder == null ? "" : ", input reordered into it"));
        Value x = values.get(input);
        if (x.buffer != null) {
            users.merge(x.buffer, 1, Integer::sum); // the reordered input's buffer is reused after its last reader
        }
        // Which wanted names (values or their aliases) each value answers.
        Map<String, List<String>> answers = new HashMap<>();
        wanted.forEach((name, value) -> answers.computeIfAbsent(value, k -> new ArrayList<>()).add(name));
        if (answers.containsKey(input)) {
            throw new UnsupportedOperationException("the plan's input is itself a requested value");
        }
        for (int t = 0; t < ops.size(); t++) {
            dnnl_primitive_desc fused = fusedDepthwise(ops, t, values);
            OneDnnFusion.Op op = ops.get(t);
            if (MixedLayout.isSwitch(op)) {
                layout = blocks; // this step and all after it write channel blocks
                description.set(0, description.get(0) + ", then nChw" + layout.block() + "c from " + op.in.get(0) + " on");
            }
            Value y = values.get(op.out);
            // A standalone ReLU/Clip keeps its input's layout; everything else writes the plan's.
            y.md = OneDnnFusion.eltwiseOf(op.node.layer()) != null ? values.get(op.in.get(0)).md : md(y.shape);
            if (op.addend != null) {
                values.get(op.ownOut()).md = y.md; // never written: backward takes its gradient in this layout
            }
            if (op.sumOnto != null) {
                Value onto = values.get(op.sumOnto);
                if (!Dnnl.same(onto.md, y.md)) {
                    throw new UnsupportedOperationException("residual layouts differ at " + op.node.name());
                }
                y.buffer = onto.buffer;
                users.merge(y.buffer, 1, Integer::sum);
            } else {
                y.buffer = take(free, Dnnl.bytes(y.md));
                users.merge(y.buffer, 1, Integer::sum);
            }
            y.memory = memory(y.md, y.buffer.address);
            List<ChannelSplit.Part> split = fused != null ? null : split(op, values, y);
            String what = op.node.name() + (op.fused.isEmpty() ? "" : " + " + op.fused) + (op.depthwise == null ? "" : DepthwiseFusion.describe(op));
            if (split != null) {
                List<Built> built = new ArrayList<>();
                String kernels = "";
                int eligible = winogradEligible, used = winogradUsed;
                boolean reference = false;
                for (int i = 0; i < split.size(); i++) {
                    ChannelSplit.Part part = split.get(i);
                    Value partOfInput = part.values().get(input);
                    if (partOfInput != null && partOfInput != x && partOfInput.buffer == null) {
                        inputParts.add(partOfInput); // images of the plan's input, pointed into each run's (ImageSplit)
                    }
                    dnnl_primitive_desc ppd = primitiveDesc(part.op(), part.values(), part.values().get(op.out));
                    dnnl_memory_desc_t sp = Dnnl.query(ppd, dnnl_query_scratchpad_md);
                    if (i == 0) {
                        scratchBytes = Math.max(scratchBytes, Dnnl.bytes(sp));
                    } else {
                        partScratchBytes[i - 1] = Math.max(partScratchBytes[i - 1], Dnnl.bytes(sp));
                    }
                    built.add(new Built(part, ppd, sp));
                    String k = Dnnl.implementation(ppd);
                    kernels = i == 0 ? k : kernels.equals(k) ? kernels : kernels + ", " + k;
                    reference |= k.startsWith("ref");
                }
                referenceKernels += reference ? 1 : 0; // counted per step, as in a whole plan
                // The Winograd counts are of convolutions, not of their parts.
                winogradEligible = Math.min(winogradEligible, eligible + 1);
                winogradUsed = Math.min(winogradUsed, used + 1);
                splitSteps++;
                pds.add(null);
                scratch.add(null);
                splits.add(built);
                accesses.add(accesses(split, values));
                description.add(what + ": " + kernels + " in " + split.size() + " parts, " + ChannelSplit.describe(split));
            } else {
                dnnl_primitive_desc pd = fused != null ? fused : primitiveDesc(op, values, y);
                dnnl_memory_desc_t sp = Dnnl.query(pd, dnnl_query_scratchpad_md);
                scratchBytes = Math.max(scratchBytes, Dnnl.bytes(sp));
                pds.add(pd);
                scratch.add(sp);
                splits.add(null);
                accesses.add(null);
                description.add(what + ": " + kernel(pd));
            }
            List<Output> outs = new ArrayList<>();
            for (String name : answers.getOrDefault(op.out, List.of())) {
                outs.add(output(name, y));
            }
            outputsAfter.add(outs);
            if (training && op.node.layer() instanceof MaxPool2d) {
                dnnl_memory_desc_t ws = Dnnl.query(pds.get(t), dnnl_query_workspace_md);
                op.workspace = memory(ws, buffer(Dnnl.bytes(ws)).address);
            }
            if (training) {
                continue; // backward reads the activations: nothing is freed or shared
            }
            // Free the buffers whose last reader is this op (never the one just written).
            for (String in : op.reads()) {
                Value v = values.get(in);
                if (v.lastUse == t && v.buffer != null) {
                    release(v.buffer, users, free);
                    v.buffer = null;
                }
            }
            if (y.lastUse < 0) {
                release(y.buffer, users, free);
            }
        }
        if (depthwisePairs > 0) {
            description.set(0, description.get(0) + ", depthwise 3x3 fused into the 1x1 before it in " + depthwiseFused + " of "
                    + depthwisePairs + " pairs");
        }
        if (parts > 1) {
            description.set(0, description.get(0) + ", " + splitSteps + " of " + ops.size() + " steps split over " + parts
                    + " threads by " + (inputShape[0] > 1 ? "images" : !startsByRows ? "channel blocks" : layout.channelsLast() ? "rows"
                    : "rows, then channel blocks"));
        }
        List<OneDnnBackward.Pending> backward = training
                ? OneDnnBackward.plan(this, OneDnnFusion.unfused(ops), values, backwardHints(ops, pds)) : List.of();
        if (tryWinograd) {
            description.set(0, description.get(0) + ", winograd in " + winogradUsed + " of " + winogradEligible
                    + " 3x3 stride-1 convolutions" + (training ? " (backward: " + backwardWinogradUsed + " of " + backwardWinogradEligible + ")" : ""));
        }
        for (OneDnnBackward.Pending b : backward) {
            scratchBytes = Math.max(scratchBytes, b.scratchBytes());
        }
        scratchpad = buffer(Math.max(scratchBytes, 64));
        for (long bytes : partScratchBytes) {
            partScratchpads.add(buffer(Math.max(bytes, 64)));
            partStreams.add(own(Dnnl.stream()));
        }
        for (int t = 0; t < ops.size(); t++) {
            List<Built> split = splits.get(t);
            if (split == null) {
                steps.add(new Step[] {step(ops.get(t), values, pds.get(t), scratch.get(t), scratchpad)});
                continue;
            }
            Step[] s = new Step[split.size()];
            for (int i = 0; i < s.length; i++) {
                ChannelSplit.Part part = split.get(i).part();
                Value y = part.values().get(part.op().out);
                Step alone = step(part.op(), part.values(), split.get(i).pd(), split.get(i).scratch(),
                        i == 0 ? scratchpad : partScratchpads.get(i - 1));
                long from = y.offset;
                s[i] = new Step(alone.primitive(), alone.args(), alone.count(), alone.what() + " part " + (i + 1) + " of " + s.length,
                        i == 0 ? stream : partStreams.get(i - 1), y.buffer, from, from + Dnnl.bytes(y.md));
            }
            steps.add(s);
        }
        boolean[] handsOut = new boolean[ops.size()];
        for (int t = 0; t < ops.size(); t++) {
            handsOut[t] = !outputsAfter.get(t).isEmpty();
        }
        chainEnd = Chains.requested() ? Chains.ends(accesses, handsOut) : Chains.ends(Collections.nCopies(ops.size(), null), handsOut);
        int chained = 0;
        for (int t = 0; t < ops.size(); t++) {
            boolean starts = (t == 0 || chainEnd[t - 1] == t) && chainEnd[t] > t + 1;
            chains.add(starts ? Chains.tasks(steps, t, chainEnd[t]) : null);
            chained += starts ? 1 : 0;
        }
        if (chained > 0) {
            description.set(0, description.get(0) + ", " + chained + " chains of steps with no wait between them");
        }
        long residuals = ops.stream().filter(op -> op.addend != null).count();
        if (residuals > 0) {
            description.set(0, description.get(0) + ", " + residuals + " residual Adds read by their convolutions as binary post-ops");
        }
        if (training) {
            this.backward = new OneDnnBackward(this, backward, values, wanted, input);
            if (this.backward.sharedReads() > 0) {
                description.set(0, description.get(0) + ", " + this.backward.sharedReads()
                        + " gradients of values read twice share a buffer instead of a copy");
            }
        }
    }

    /**
     * For each op as backward runs them ({@link OneDnnFusion#unfused}), the forward descriptor of
     * the op it belongs to (a max pooling's is its backward's hint).
     */
    private static List<dnnl_primitive_desc> backwardHints(List<OneDnnFusion.Op> ops, List<dnnl_primitive_desc> pds) {
        List<dnnl_primitive_desc> hints = new ArrayList<>();
        for (int t = 0; t < ops.size(); t++) {
            hints.add(pds.get(t));
            if (ops.get(t).addend != null) {
                hints.add(pds.get(t));
            }
        }
        return hints;
    }

    /** How a split plan splits op {@code op}'s step (null: it runs whole): by images, rows or channel blocks. */
    private List<ChannelSplit.Part> split(OneDnnFusion.Op op, Map<String, Value> values, Value y) {
        if (inputShape[0] > 1) {
            return ImageSplit.split(this, op, values, y, parts);
        }
        if (MixedLayout.isSwitch(op)) {
            return MixedLayout.split(this, op, values, y, parts);
        }
        return layout.channelsLast() ? RowSplit.split(this, op, values, y, parts) : ChannelSplit.split(this, op, values, y, parts);
    }

    /**
     * What each part of a split step reads and writes ({@link Chains}). Left out: the plan's own
     * input, never written, and the value a residual sums onto, which is the part's own
     * destination (read where it writes).
     */
    private static List<List<Chains.Access>> accesses(List<ChannelSplit.Part> split, Map<String, Value> values) {
        List<List<Chains.Access>> result = new ArrayList<>();
        for (ChannelSplit.Part part : split) {
            List<Chains.Access> a = new ArrayList<>();
            for (String in : part.op().in) {
                Value v = part.values().getOrDefault(in, values.get(in));
                if (v.buffer != null) {
                    a.add(new Chains.Access(v.buffer, v.offset, v.offset + Dnnl.bytes(v.md), false));
                }
            }
            Value y = part.values().get(part.op().out);
            a.add(new Chains.Access(y.buffer, y.offset, y.offset + Dnnl.bytes(y.md), true));
            result.add(a);
        }
        return result;
    }

    /**
     * The fused primitive descriptor of op {@code t} where it is a 1x1 convolution with a depthwise
     * partner ({@link DepthwiseFusion}); null for any other op, and where oneDNN has no fused kernel
     * for the pair, which is then split back into two ops.
     */
    private dnnl_primitive_desc fusedDepthwise(List<OneDnnFusion.Op> ops, int t, Map<String, Value> values) {
        OneDnnFusion.Op op = ops.get(t);
        if (op.depthwise == null) {
            return null;
        }
        depthwisePairs++;
        long[] mid = values.get(op.depthwise.in.get(0)).shape;
        long[] y = values.get(op.out).shape;
        dnnl_primitive_desc pd = DepthwiseFusion.primitiveDesc(this, op, values, Dnnl.md(y, layout.tag()));
        if (pd == null) {
            DepthwiseFusion.split(ops, t);
            lastUses(ops, values);
            return null;
        }
        depthwiseFused++;
        convolutionMacs += macs((Conv2d) op.node.layer(), mid) + macs((Conv2d) op.depthwise.node.layer(), y);
        return pd;
    }

    /** A convolution's multiply-adds: N x K x OH x OW outputs, each a sum over the (C / groups) x R x S window. */
    static long macs(Conv2d c, long[] y) {
        return y[0] * y[1] * y[2] * y[3] * (c.weight().length() / c.weight().size(0));
    }

    private Buffer take(List<Buffer> free, long bytes) {
        Buffer best = null;
        for (Buffer b : free) {
            if (b.bytes >= bytes && b.bytes <= 2 * bytes && (best == null || b.bytes < best.bytes)) {
                best = b;
            }
        }
        if (best != null) {
            free.remove(best);
            return best;
        }
        return buffer(bytes);
    }

    private static void release(Buffer b, Map<Buffer, Integer> users, List<Buffer> free) {
        if (users.merge(b, -1, Integer::sum) == 0) {
            users.remove(b);
            free.add(b);
        }
    }

    private dnnl_primitive_desc primitiveDesc(OneDnnFusion.Op op, Map<String, Value> values, Value y) {
        Value x = values.get(op.in.get(0));
        if (MixedLayout.isSwitch(op)) {
            return reorderPd(x.md, y.md);
        }
        dnnl_primitive_attr attr = attr();
        if (!op.eltwise.isEmpty() || op.sumOnto != null || op.addend != null) {
            dnnl_post_ops po = new dnnl_post_ops();
            Dnnl.check(dnnl_post_ops_create(po), "dnnl_post_ops_create");
            own(po);
            for (int i = 0; i <= op.eltwise.size(); i++) {
                if (i == op.sumAt && op.addend != null) {
                    dnnl_memory_desc_t addend = values.get(op.addend).md;
                    if (!Dnnl.same(addend, y.md)) {
                        throw new UnsupportedOperationException("residual layouts differ at " + op.node.name());
                    }
                    Dnnl.check(dnnl_post_ops_append_binary(po, dnnl_binary_add, addend), "dnnl_post_ops_append_binary");
                } else if (i == op.sumAt) {
                    Dnnl.check(dnnl_post_ops_append_sum(po, 1f), "dnnl_post_ops_append_sum");
                }
                if (i < op.eltwise.size()) {
                    float[] e = op.eltwise.get(i);
                    Dnnl.check(dnnl_post_ops_append_eltwise(po, 1f, (int) e[0], e[1], e[2]), "dnnl_post_ops_append_eltwise");
                }
            }
            Dnnl.check(dnnl_primitive_attr_set_post_ops(attr, po), "dnnl_primitive_attr_set_post_ops");
        }
        String what = op.node.name() + " (" + op.node.layer().describe() + ")";
        if (op.node.layer() instanceof Conv2d c) {
            dnnl_memory_desc_t bMd = c.bias() == null ? null : Dnnl.md(new long[] {c.weight().size(0)}, dnnl_a);
            long[][] w = convWindow(c, x.shape, op.pad);
            convolutionMacs += macs(c, y.shape);
            if (Winograd.eligible(c)) {
                winogradEligible++;
                winogradWeights += c.weight().length();
                dnnl_primitive_desc pd = tryWinograd
                        ? Winograd.forward(x.md, weightsAnyLayout(c, c.weight().size(1)), bMd, y.md, w, attr, what) : null;
                if (pd != null) {
                    winogradUsed++;
                    return own(pd);
                }
            }
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_dilated_convolution_forward_desc_init(d, dnnl_forward_inference, dnnl_convolution_direct,
                    x.md, weightsAnyLayout(c, c.weight().size(1)), bMd, y.md, w[0], w[1], w[2], w[3]), what);
            return pd(d, attr, null, what);
        }
        if (op.node.layer() instanceof Linear l) {
            dnnl_memory_desc_t bMd = l.bias() == null ? null : Dnnl.md(new long[] {y.shape[1]}, dnnl_a);
            dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
            Dnnl.check(dnnl_inner_product_forward_desc_init(d, dnnl_forward_inference, x.md,
                    Dnnl.md(new long[] {y.shape[1], x.shape[1], x.shape[2], x.shape[3]}, dnnl_format_tag_any), bMd, y.md), what);
            return pd(d, attr, null, what);
        }
        Pooling pooling = Pooling.of(op, x.shape);
        if (pooling != null) {
            // Max pooling in a plan for backward keeps its switches (forward training).
            boolean switches = training && pooling.algorithm() == dnnl_pooling_max;
            return pd(poolDesc(pooling, x, y, switches ? dnnl_forward_training : dnnl_forward_inference, what), attr, null,
                    POOLING_KERNEL, what);
        }
        if (op.node.layer() instanceof Add) {
            dnnl_binary_desc_t d = new dnnl_binary_desc_t();
            Dnnl.check(dnnl_binary_desc_init(d, dnnl_binary_add, x.md, values.get(op.in.get(1)).md, y.md), what);
            return pd(d, attr, null, what);
        }
        float[] e = OneDnnFusion.eltwiseOf(op.node.layer());
        if (e != null) {
            // Not fused (its input has other readers): a standalone eltwise in the input's layout.
            dnnl_eltwise_desc_t d = new dnnl_eltwise_desc_t();
            Dnnl.check(dnnl_eltwise_forward_desc_init(d, dnnl_forward_inference, (int) e[0], x.md, e[1], e[2]), what);
            return pd(d, attr, null, what);
        }
        throw new UnsupportedOperationException("no oneDNN primitive for " + what);
    }

    /** Where a pooling window falls: {strides, kernel, dilation (oneDNN counts from 0), pads begin, pads end}. */
    static long[][] poolWindow(Pooling pooling, Value x, String what) {
        PoolSpec spec = pooling.spec();
        boolean countsPadding = pooling.algorithm() == dnnl_pooling_avg_include_padding;
        PoolGeometry g = PoolGeometry.of(spec, x.shape);
        // oneDNN derives the output size from the pads with floor rounding; ceil mode shows up as
        // a larger end pad than the layer's own. (Rows a floor-mode window never reaches need no
        // smaller pad: the floor drops them in both.)
        long bottom = Math.max(g.bottom(), (g.OH() - 1L) * spec.strideH() + (spec.kernelH() - 1L) * spec.dilationH() + 1 - g.H() - g.top());
        long right = Math.max(g.right(), (g.OW() - 1L) * spec.strideW() + (spec.kernelW() - 1L) * spec.dilationW() + 1 - g.W() - g.left());
        if (countsPadding && (bottom != g.bottom() || right != g.right())) {
            throw new UnsupportedOperationException("average pooling with ceil mode and counted padding: " + what);
        }
        return new long[][] {{spec.strideH(), spec.strideW()}, {spec.kernelH(), spec.kernelW()},
            {spec.dilationH() - 1, spec.dilationW() - 1}, {g.top(), g.left()}, {bottom, right}};
    }

    /** The forward descriptor of a pooling op (inference, or training to keep max pooling's switches). */
    dnnl_pooling_v2_desc_t poolDesc(Pooling pooling, Value x, Value y, int prop, String what) {
        long[][] w = poolWindow(pooling, x, what);
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_forward_desc_init(d, prop, pooling.algorithm(), x.md, y.md, w[0], w[1], w[2], w[3], w[4]), what);
        return d;
    }

    private Step step(OneDnnFusion.Op op, Map<String, Value> values, dnnl_primitive_desc pd, dnnl_memory_desc_t scratchMd, Buffer scratch) {
        Value y = values.get(op.out);
        dnnl_memory sp = memory(scratchMd, scratch.address);
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(8);
        int n = 0;
        args.position(n++).arg(DNNL_ARG_SRC).memory(values.get(op.in.get(0)).memory);
        if (op.node.layer() instanceof Add) {
            args.position(n++).arg(DNNL_ARG_SRC_1).memory(values.get(op.in.get(1)).memory);
        }
        if (op.node.layer() instanceof Conv2d c) {
            args.position(n++).arg(DNNL_ARG_WEIGHTS).memory(weights(c, pd));
            if (c.bias() != null) {
                args.position(n++).arg(DNNL_ARG_BIAS).memory(bias(c.bias(), c.weight().size(0)));
            } else if (op.depthwise != null && DepthwiseFusion.hasBias(op)) {
                args.position(n++).arg(DNNL_ARG_BIAS).memory(zeroBias(c.weight().size(0)));
            }
        }
        if (op.node.layer() instanceof Linear l) {
            // Its [O, C x H x W] weights are OIHW weights of the value before the Flatten.
            long[] x = values.get(op.in.get(0)).shape;
            args.position(n++).arg(DNNL_ARG_WEIGHTS).memory(weights(l.weight(), dense(l.weight()).reshape(y.shape[1], x[1], x[2], x[3]), 1,
                    Dnnl.query(pd, dnnl_query_weights_md)));
            if (l.bias() != null) {
                args.position(n++).arg(DNNL_ARG_BIAS).memory(bias(l.bias(), y.shape[1]));
            }
        }
        if (op.depthwise != null) {
            Conv2d d = (Conv2d) op.depthwise.node.layer();
            dnnl_memory_desc_t chosen = Dnnl.queryArg(pd, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS);
            args.position(n++).arg(DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS).memory(weights(d.weight(), d.spec().groups(), chosen));
            if (d.bias() != null) {
                args.position(n++).arg(DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS).memory(bias(d.bias(), d.weight().size(0)));
            }
        }
        if (op.addend != null) {
            // The binary post-op's second source: post-op number sumAt's DNNL_ARG_SRC_1.
            args.position(n++).arg(DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (op.sumAt + 1) | DNNL_ARG_SRC_1)
                    .memory(values.get(op.addend).memory);
        }
        args.position(n++).arg(DNNL_ARG_DST).memory(y.memory);
        if (op.workspace != null) {
            args.position(n++).arg(DNNL_ARG_WORKSPACE).memory(op.workspace);
        }
        args.position(n++).arg(DNNL_ARG_SCRATCHPAD).memory(sp);
        args.position(0);
        return new Step(primitive(pd), own(args), n, op.node.name(), stream);
    }

    /** The convolution's OIHW weights, reordered once into the layout its kernel chose. */
    dnnl_memory weights(Conv2d c, dnnl_primitive_desc pd) {
        return weights(c.weight(), c.spec().groups(), pd);
    }

    /** OIHW weights {@code weight} of a convolution with {@code G} groups, reordered once for {@code pd}. */
    dnnl_memory weights(INDArray weight, int G, dnnl_primitive_desc pd) {
        return weights(weight, G, Dnnl.query(pd, dnnl_query_weights_md));
    }

    /** OIHW weights {@code weight} of a convolution with {@code G} groups, reordered once into {@code chosen}. */
    dnnl_memory weights(INDArray weight, int G, dnnl_memory_desc_t chosen) {
        return weights(weight, weight, G, chosen);
    }

    /**
     * {@code weight}, the values of the layer array {@code source}, reordered into {@code chosen}
     * once per plan: the parts of a step split by rows or images, whose kernels choose the same
     * layout, share one copy.
     */
    private dnnl_memory weights(INDArray source, INDArray weight, int G, dnnl_memory_desc_t chosen) {
        for (Reordered r : reordered.getOrDefault(source, List.of())) {
            if (r.groups() == G && Dnnl.same(r.md(), chosen)) {
                return r.memory();
            }
        }
        dnnl_memory blocked = reorderWeights(weight, G, chosen);
        reordered.computeIfAbsent(source, k -> new ArrayList<>()).add(new Reordered(G, chosen, blocked));
        return blocked;
    }

    private dnnl_memory reorderWeights(INDArray weight, int G, dnnl_memory_desc_t chosen) {
        INDArray w = dense(weight);
        long K = w.size(0), Cg = w.size(1), R = w.size(2), S = w.size(3);
        dnnl_memory_desc_t plainMd = G == 1 ? Dnnl.md(new long[] {K, Cg, R, S}, dnnl_oihw)
                : Dnnl.md(new long[] {G, K / G, Cg, R, S}, dnnl_goihw);
        dnnl_memory blocked = memory(chosen, buffer(Dnnl.bytes(chosen)).address);
        long from = address(w);
        if (guarded()) {
            // Guarded mode stages the plain weights in a plan buffer, so that this reorder is watched too.
            Buffer staged = buffer(Dnnl.bytes(plainMd));
            Dnnl.copy(staged.address, from, staged.bytes);
            from = staged.address;
        }
        dnnl_memory plain = memory(plainMd, from);
        dnnl_primitive reorder = primitive(reorderPd(plainMd, chosen));
        execute(reorder, args(new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, plain, blocked), 2, "weight reorder");
        Dnnl.check(dnnl_stream_wait(stream), "dnnl_stream_wait");
        return blocked;
    }

    /** The K values of a bias, in a buffer of the plan. */
    private dnnl_memory bias(INDArray bias, long K) {
        Buffer b = buffer(4 * K);
        float[] v = bias.castTo(DataType.FLOAT).reshape(K).toFloatVector();
        new FloatPointer(new Dnnl.Address(b.address)).put(v);
        return memory(Dnnl.md(new long[] {K}, dnnl_a), b.address);
    }

    /** K zeros as a convolution's bias (see {@link DepthwiseFusion#hasBias}). */
    private dnnl_memory zeroBias(long K) {
        Buffer b = buffer(4 * K);
        new FloatPointer(new Dnnl.Address(b.address)).put(new float[(int) K]);
        return memory(Dnnl.md(new long[] {K}, dnnl_a), b.address);
    }

    private Output output(String name, Value v) {
        dnnl_memory_desc_t plainMd = Dnnl.md(v.shape, v.shape.length == 2 ? dnnl_ab : dnnl_abcd);
        dnnl_memory plain = memory(plainMd, 0);
        dnnl_primitive reorder = primitive(reorderPd(v.md, plainMd));
        Buffer stage = guarded() ? buffer(Dnnl.bytes(plainMd)) : null;
        return new Output(name, v.shape, plain, reorder, args(new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, v.memory, plain), stage);
    }

    /** How this plan lays out a value of {@code shape}: a classifier head's [N, O] rows plain, maps in its layout. */
    dnnl_memory_desc_t md(long[] shape) {
        return Dnnl.md(shape, shape.length == 2 ? dnnl_ab : layout.tag());
    }

    /**
     * Part of value {@code v} as a value of its own, for a part of a split step: {@code shape} laid
     * out as {@code md}, starting {@code from} bytes after {@code v} in its buffer (the plan's own
     * input has none: its parts are pointed at each run's input).
     */
    Value part(Value v, long[] shape, dnnl_memory_desc_t md, long from) {
        Value part = new Value(shape);
        part.md = md;
        part.buffer = v.buffer;
        part.offset = v.offset + from;
        part.memory = memory(md, v.buffer == null ? 0 : v.buffer.address + part.offset);
        return part;
    }

    /** A memory object this plan owns (destroyed on close). */
    dnnl_memory memory(dnnl_memory_desc_t md, long address) {
        return own(Dnnl.memory(md, address));
    }

    static INDArray dense(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return f.ordering() == 'c' && Shape.hasDefaultStridesForShape(f) ? f : f.dup('c');
    }

    static long address(INDArray a) {
        return a.data().addressPointer().address() + a.offset() * a.dataType().width();
    }

    // ---- running ---------------------------------------------------------------------------

    @Override
    public synchronized Map<String, INDArray> run(INDArray x) {
        if (closed) {
            throw new IllegalStateException("this oneDNN plan is closed");
        }
        if (!Arrays.equals(x.shape(), inputShape)) {
            throw new IllegalArgumentException("plan compiled for input " + Arrays.toString(inputShape) + ", got "
                    + Arrays.toString(x.shape()));
        }
        INDArray xd = dense(x);
        runs++;
        long from = address(xd);
        if (inputStage != null) {
            Dnnl.copy(inputStage.address, from, inputStage.bytes);
            from = inputStage.address;
        } else {
            Dnnl.point(inputMemory, from);
        }
        for (Value part : inputParts) {
            Dnnl.point(part.memory, from + part.offset);
        }
        Map<String, INDArray> result = new LinkedHashMap<>();
        if (parts == 1) {
            runSteps(null, result);
        } else {
            // Every primitive of a split plan was created for one thread, and runs on one.
            Crew crew = guards == null ? Crew.of(parts) : null; // guarded mode runs the parts one after another
            boolean hired = crew != null && crew.tryHire();
            try {
                Crew.singleThreaded(() -> {
                    runSteps(hired ? crew : null, result);
                    return null;
                });
            } finally {
                if (hired) {
                    crew.release();
                }
            }
        }
        Dnnl.check(dnnl_stream_wait(stream), "dnnl_stream_wait");
        Reference.reachabilityFence(xd); // a dense copy of x, read by the primitives until here
        return result;
    }

    /** The steps of one run, parts on the crew when it is hired (null: one after another on this thread). */
    private void runSteps(Crew crew, Map<String, INDArray> result) {
        if (inputReorder != null) {
            execute(inputReorder.primitive(), inputReorder.args(), inputReorder.count(), inputReorder.what());
        }
        for (int t = 0; t < steps.size(); t = chainEnd[t]) {
            Step[] s = steps.get(t);
            if (s.length == 1 && chainEnd[t] == t + 1) {
                execute(s[0].primitive(), s[0].args(), s[0].count(), s[0].what());
            } else if (guards != null) {
                // One thread's parts of the chain after another, each part checked to write only its own rows or
                // channels; in either order of threads by run, as the threads may run in any order.
                int n = chains.get(t) == null ? s.length : chains.get(t).length;
                for (int k = 0; k < n; k++) {
                    int i = runs % 2 == 0 ? n - 1 - k : k;
                    for (int u = t; u < chainEnd[t]; u++) {
                        if (i < steps.get(u).length) {
                            Step p = steps.get(u)[i];
                            guards.confined(p.dst(), p.from(), p.to(), p, p.what());
                            guard(p.what());
                        }
                    }
                }
            } else if (crew != null) {
                crew.run(chains.get(t) != null ? chains.get(t) : s);
            } else {
                // The crew serves another run: this one runs its parts itself, step by step.
                for (int u = t; u < chainEnd[t]; u++) {
                    for (Step p : steps.get(u)) {
                        p.run();
                    }
                }
            }
            outputsAfter(chainEnd[t] - 1, result); // only a chain's last step hands out values
        }
    }

    /** Copies out the values step {@code t} hands out. */
    private void outputsAfter(int t, Map<String, INDArray> result) {
        for (Output o : outputsAfter.get(t)) {
            INDArray a = Memory.uninitialized(DataType.FLOAT, o.shape());
            Dnnl.point(o.plain(), o.stage() != null ? o.stage().address : address(a));
            execute(o.reorder(), o.args(), 2, "output " + o.name());
            if (o.stage() != null) {
                Dnnl.copy(address(a), o.stage().address, o.stage().bytes);
            }
            result.put(o.name(), a);
        }
    }

    /** Whether the plan's first steps run channels last, split by rows ({@link RowSplit}). */
    boolean startsByRows() {
        return startsByRows;
    }

    String inputName() {
        return input;
    }

    /**
     * A backward's forward convolution from dy to dx ({@link OneDnnBackward#flipped}) as Winograd,
     * when this plan tries Winograd and oneDNN picks its F(2x2, 3x3) kernel for it, else null.
     */
    dnnl_primitive_desc backwardWinograd(dnnl_memory_desc_t dy, dnnl_memory_desc_t w, dnnl_memory_desc_t dx, long[][] window,
                                         dnnl_primitive_attr attr, String what) {
        dnnl_primitive_desc pd = tryWinograd ? Winograd.forward(dy, w, null, dx, window, attr, what) : null;
        if (pd != null && !Dnnl.implementation(pd).contains(Winograd.BACKWARD_KERNEL)) {
            dnnl_primitive_desc_destroy(pd);
            pd = null;
        }
        return pd == null ? null : own(pd);
    }

    /**
     * A backward convolution: its multiply-adds count into a run's cost (a backward plan's runs
     * are a forward and a backward), the weights of one that could run as Winograd into the
     * transform's, and whether it does into the description.
     */
    void countBackward(long macs, boolean winogradEligible, long weights, boolean winograd) {
        convolutionMacs += macs;
        if (winogradEligible) {
            winogradWeights += weights;
            backwardWinogradEligible++;
            backwardWinogradUsed += winograd ? 1 : 0;
        }
    }

    /** How many weights the convolutions that could run as Winograd hold (0: none could), a backward's included. */
    long winogradWeights() {
        return winogradWeights;
    }

    /** How many multiply-adds the convolutions of one run take (a backward plan's: forward and backward). */
    long convolutionMacs() {
        return convolutionMacs;
    }

    @Override
    public synchronized long runs() {
        return runs;
    }

    @Override
    public synchronized INDArray backward(long run, Map<String, INDArray> outputGradients) {
        if (closed) {
            throw new IllegalStateException("this oneDNN plan is closed");
        }
        if (backward == null) {
            throw new UnsupportedOperationException("this plan was compiled for inference only");
        }
        if (run != runs) {
            throw new IllegalStateException("the plan ran again (run " + runs + ") before the backward of run " + run
                    + "; take each backward before the next forward on this thread");
        }
        return backward.run(outputGradients, stream);
    }

    @Override
    public String describe() {
        return String.join("\n", description);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        steps.clear();
        outputsAfter.clear();
        for (int i = destroy.size() - 1; i >= 0; i--) {
            destroy.get(i).run();
        }
        destroy.clear();
        if (guards != null) {
            guards.close();
        }
        dnnl_stream_destroy(stream);
    }
}
