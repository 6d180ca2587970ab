package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * The layout of every activation a plan writes: channel blocks of nChw16c (oneDNN's
 * {@code aBcd16b}) where oneDNN runs AVX-512 kernels, nChw8c ({@code aBcd8b}) below, or channels
 * last (nhwc, {@code acdb}) for plans split by rows ({@link RowSplit}). The block
 * is the kernels' vector width in floats; given the other width, oneDNN 2.5.2 picks kernels of
 * the narrower ISA (AVX2 kernels on nChw8c at AVX-512, found in its verbose log) or reorders.
 * The ISA is the effective one, which honours {@code ONEDNN_MAX_CPU_ISA} (and
 * {@code DNNL_MAX_CPU_ISA}); {@link #HOST} decides once per process, and every plan describes its
 * layout. A plan takes blocks of 8 at AVX-512 only where 16 would leave a kernel to a reference
 * loop ({@code OneDnnAccelerator.widest}).
 *
 * @param isa oneDNN's {@code dnnl_cpu_isa_t} the kernels run at
 * @param block channels per block: 16 or 8 (the ISA's vector width; unused when channels last)
 * @param channelsLast every pixel's channels side by side (nhwc) instead of in blocks
 */
record ActivationLayout(int isa, int block, boolean channelsLast) {
    /** The layout of this process's plans, from the ISA oneDNN reports. */
    static final ActivationLayout HOST = of(dnnl_get_effective_cpu_isa());

    ActivationLayout {
        if (block != 8 && block != 16) {
            throw new IllegalArgumentException("block must be 8 or 16 channels, got " + block);
        }
    }

    /** Channel blocks of {@code block}. */
    ActivationLayout(int isa, int block) {
        this(isa, block, false);
    }

    /** Blocks of 16 channels for AVX-512 kernels (avx512_core and up, or the Xeon Phi's avx512_mic), else 8. */
    static ActivationLayout of(int isa) {
        return new ActivationLayout(isa, avx512(isa) ? 16 : 8);
    }

    /** Whether an ISA of oneDNN's {@code dnnl_cpu_isa_t} includes AVX-512 (its flags are cumulative bits). */
    static boolean avx512(int isa) {
        return (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core
                || (isa & dnnl_cpu_isa_avx512_mic) == dnnl_cpu_isa_avx512_mic;
    }

    /** The same ISA with blocks of 8 channels (this layout if it has them). */
    ActivationLayout narrower() {
        return new ActivationLayout(isa, 8, channelsLast);
    }

    /** The same ISA with channels last. */
    ActivationLayout withChannelsLast() {
        return new ActivationLayout(isa, block, true);
    }

    /** oneDNN's format tag of this layout for an NCHW tensor. */
    int tag() {
        return channelsLast ? dnnl_acdb : block == 16 ? dnnl_aBcd16b : dnnl_aBcd8b;
    }

    /**
     * Whether oneDNN's binary primitive may take an eltwise post-op on {@code C} channels in this
     * layout. At AVX-512 on nChw8c only at multiples of 16: oneDNN 2.5.2's AVX-512 binary kernel
     * with a ReLU post-op on nChw8c gives wrong values for every other C from 1 to 48 and, with an
     * odd number of 8-channel blocks, also writes past the end of its destination ({@link Guards};
     * found by the plan fuzz at C = 14, then measured without a JVM). On nChw16c at AVX-512 (C = 1
     * to 48, 64, 96, 128 at 7x7 to 56x56) and on nChw8c at AVX2 (C = 1 to 48 at 7x7 to 28x28) every
     * value was right and nothing was written outside. So with {@link #HOST} this holds everywhere;
     * nChw8c at AVX-512 is only a plan's fallback ({@code OneDnnAccelerator.widest}).
     */
    boolean fusesBinaryPostOp(long C) {
        return channelsLast || !(block == 8 && avx512(isa) && C % 16 != 0);
    }

    /** oneDNN's name of the layout and the ISA, as its verbose log writes them. */
    String describe() {
        return "activations " + (channelsLast ? "nhwc" : "nChw" + block + "c") + " (oneDNN ISA " + isaName(isa) + ")";
    }

    /** oneDNN's {@code dnnl_cpu_isa_t} by its {@code ONEDNN_MAX_CPU_ISA} name. */
    static String isaName(int isa) {
        return switch (isa) {
            case 0x1 -> "sse41";
            case 0x3 -> "avx";
            case 0x7 -> "avx2";
            case 0xf -> "avx512_mic";
            case 0x1f -> "avx512_mic_4ops";
            case 0x27 -> "avx512_core";
            case 0x67 -> "avx512_core_vnni";
            case 0xe7 -> "avx512_core_bf16";
            case 0x3e7 -> "avx512_core_amx";
            case 0x407 -> "avx2_vnni";
            default -> "isa 0x" + Integer.toHexString(isa);
        };
    }
}
