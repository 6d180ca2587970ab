package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.Locale;
import java.util.function.Function;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.xai4j.engine.Accelerator;
import org.xai4j.layers.Conv2d;

/**
 * Winograd convolutions in the plans: every forward convolution that could have one tries
 * oneDNN's {@code dnnl_convolution_winograd} and keeps its direct kernel where oneDNN offers none.
 * When is {@code -Dxai4j.onednn.winograd}'s to say (the command line's {@code --[no-]winograd}):
 * <ul>
 *   <li>{@code auto} (the default): a plan compiles with direct kernels and recompiles with
 *       Winograd once its runs have paid for the weight transform: a number of runs estimated
 *       from its size ({@link #runsBeforeWinograd}, {@link TieredPlan}), so a one-shot pass never
 *       pays the transform and a plan run hundreds of times runs on Winograd;</li>
 *   <li>{@code true}: Winograd from the first run; {@code false}: never.</li>
 * </ul>
 *
 * <p>Winograd F(m x m, 3 x 3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2016) computes each m x m output tile as {@code A^T [(G g G^T) . (B^T d B)] A}: fewer
 * multiplications than the direct sum, but the transforms' large coefficients cost float32
 * accuracy: measured against the float64 oracle it stays inside every oracle tolerance (ResNet-18
 * logits 2.6e-7 of the largest against 2.4e-7 direct; onednn/README.md has the rest), hence on
 * by default. What it costs is compile time, oneDNN's weight transform ({@code wino_reorder}),
 * hence only once it pays. oneDNN 2.5.2 offers it for f32 only at AVX-512 ({@code avx512_core}:
 * {@code jit:avx512_core_fp32_wino_conv_4x3} or {@code _2x3}), 3 x 3 kernels, stride 1, no
 * dilation, no groups, activations in nChw16c; creating the primitive descriptor fails as
 * unimplemented anywhere else. Forward kernels only: oneDNN 2.5.2 also offers a Winograd
 * backward-data kernel at avx512_core ({@code jit_wino_4x3}), but in a plan it gave input
 * gradients 82% off the engine's on the plan fuzz's first 3x3 case (40 -> 9 -> 2 -> 9 channels,
 * asymmetric pads, 11 x 9). Whether oneDNN or the plan's binding of it is at fault was not
 * found out. A plan's backward runs its stride-1 convolutions as forward ones of the flipped
 * weights instead ({@link OneDnnBackward}), on the F(2x2, 3x3) forward kernel only
 * ({@link #BACKWARD_KERNEL}).
 */
final class Winograd {
    static final String PROPERTY = "xai4j.onednn.winograd";

    /**
     * The one Winograd kernel a backward plan runs (its flipped convolutions, {@link
     * OneDnnBackward}): F(2x2, 3x3). On the oracle ResNet-18's input gradient, F(4x4, 3x3) where
     * oneDNN picks it (the 28 x 28 maps) tripled the error: 1.5e-6 of the largest value against
     * 5.1e-7 with direct kernels and 6.6e-7 with F(2x2, 3x3) alone (PyTorch's float32: 5.6e-7).
     * Gradients are sums of many signed terms, and 4x3's larger transform coefficients show.
     */
    static final String BACKWARD_KERNEL = "wino_2x3";

    private Winograd() {}

    /** When plans compiled from now on use Winograd kernels (the property, read at each compile). */
    enum Use { NEVER, WHEN_IT_PAYS, ALWAYS }

    /**
     * Nanoseconds of oneDNN's weight transform per weight of a Winograd convolution: ResNet-18's
     * 13 eligible convolutions (9.4 million weights) took 0.38 s of {@code wino_reorder} at two
     * threads on the AVX-512 host (onednn/README.md).
     */
    static final double TRANSFORM_NANOS_PER_WEIGHT = 40;

    /**
     * Nanoseconds a direct pass takes per multiply-add of its convolutions, the same host and
     * threads: ResNet-18 13.4 ms for 1.82 billion at batch 1, ResNet-50 28.7 ms for 4.1 billion.
     */
    static final double PASS_NANOS_PER_MAC = 0.007;

    /**
     * How many times the transform's expected cost a plan's runs must take before it recompiles:
     * Winograd saves about a third of a pass where it applies (ResNet-18 at batch 8: 83 to 61 ms),
     * so after runs worth 3x the transform, the time saved would have paid for it, and the choice
     * costs at most twice the better one in hindsight (the ski-rental rule).
     */
    static final double PAYBACK = 3;

    /** {@link #PAYBACK}, or the property {@code xai4j.onednn.winograd.payback} (0: recompile at the second run). */
    static double payback() {
        String v = System.getProperty(PROPERTY + ".payback");
        try {
            double p = v == null ? PAYBACK : Double.parseDouble(v.trim());
            if (p >= 0 && Double.isFinite(p)) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + PROPERTY + ".payback must be a number >= 0, got '" + v + "'");
    }

    /**
     * After how many runs a direct plan pays for its Winograd recompile, estimated from its size
     * rather than timed, so that the same calls switch at the same run on every invocation (and
     * give the same last bits): payback x transform cost / cost of a run, at least 1.
     */
    static long runsBeforeWinograd(OneDnnPlan direct) {
        double transform = TRANSFORM_NANOS_PER_WEIGHT * direct.winogradWeights();
        double run = PASS_NANOS_PER_MAC * Math.max(1, direct.convolutionMacs());
        return Math.max(1, (long) Math.ceil(payback() * transform / run));
    }

    static Use requested() {
        String v = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "auto" -> Use.WHEN_IT_PAYS;
            case "true" -> Use.ALWAYS;
            case "false" -> Use.NEVER;
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, true or false, got '" + v + "'");
        };
    }

    /**
     * A plan as {@link #requested} says: {@code compile} given whether to try Winograd. In auto
     * mode, the direct plan, wrapped to recompile once it pays when oneDNN could run any of its
     * convolutions as Winograd (none below AVX-512, none in a plan of nhwc activations: oneDNN
     * 2.5.2's Winograd takes nChw16c only).
     */
    static Accelerator.Plan plan(Function<Boolean, OneDnnPlan> compile) {
        Use use = requested();
        OneDnnPlan plan = compile.apply(use == Use.ALWAYS);
        if (use != Use.WHEN_IT_PAYS || plan.winogradWeights() == 0 || !ActivationLayout.avx512(ActivationLayout.HOST.isa())
                || plan.layout.channelsLast()) {
            return plan;
        }
        return new TieredPlan(plan, () -> compile.apply(true), runsBeforeWinograd(plan));
    }

    /**
     * Whether oneDNN could run the convolution as Winograd at all: a dense 3 x 3 kernel, stride 1,
     * no dilation. The ISA and layout are oneDNN's to judge ({@link #forward}).
     */
    static boolean eligible(Conv2d c) {
        return c.spec().groups() == 1 && c.weight().size(2) == 3 && c.weight().size(3) == 3
                && c.spec().strideH() == 1 && c.spec().strideW() == 1 && c.spec().dilationH() == 1 && c.spec().dilationW() == 1;
    }

    /**
     * The forward-inference Winograd primitive descriptor of a convolution ({@code window} as
     * {@link OneDnnPlan#convWindow} gives it), or null where oneDNN has no such kernel (status
     * unimplemented). The caller owns (destroys) what is returned.
     */
    static dnnl_primitive_desc forward(dnnl_memory_desc_t x, dnnl_memory_desc_t w, dnnl_memory_desc_t b, dnnl_memory_desc_t y,
                                       long[][] window, dnnl_primitive_attr attr, String what) {
        dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
        try {
            int status = dnnl_dilated_convolution_forward_desc_init(d, dnnl_forward_inference, dnnl_convolution_winograd,
                    x, w, b, y, window[0], window[1], window[2], window[3]);
            if (status == dnnl_unimplemented) {
                return null;
            }
            Dnnl.check(status, what + " (winograd)");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            status = dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), attr, Dnnl.ENGINE, null);
            if (status == dnnl_unimplemented) {
                pd.close();
                return null;
            }
            Dnnl.check(status, what + " (winograd)");
            return pd;
        } finally {
            d.close();
        }
    }
}
