package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.xai4j.layers.Conv2d;

/**
 * Winograd convolutions in the plans, on unless switched off ({@code -Dxai4j.onednn.winograd=false},
 * or {@code --no-winograd} on the command line): every forward convolution that could have one
 * tries oneDNN's {@code dnnl_convolution_winograd} and keeps its direct kernel where oneDNN offers
 * none.
 *
 * <p>Winograd F(m x m, 3 x 3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2016) computes each m x m output tile as {@code A^T [(G g G^T) . (B^T d B)] A}: fewer
 * multiplications than the direct sum, but the transforms' large coefficients cost float32
 * accuracy: measured against the float64 oracle it stays inside every oracle tolerance (ResNet-18
 * logits 2.6e-7 of the largest against 2.4e-7 direct; onednn/README.md has the rest), hence the
 * default. What it costs is compile time: oneDNN's weight transform ({@code wino_reorder}). oneDNN 2.5.2 offers it for f32 only at AVX-512 ({@code avx512_core}:
 * {@code jit:avx512_core_fp32_wino_conv_4x3} or {@code _2x3}), 3 x 3 kernels, stride 1, no
 * dilation, no groups, activations in nChw16c; creating the primitive descriptor fails as
 * unimplemented anywhere else. Forward kernels only: oneDNN 2.5.2 also offers a Winograd
 * backward-data kernel at avx512_core ({@code jit_wino_4x3}), but in a plan it gave input
 * gradients 82% off the engine's on the plan fuzz's first 3x3 case (40 -> 9 -> 2 -> 9 channels,
 * asymmetric pads, 11 x 9). Whether oneDNN or the plan's binding of it is at fault was not
 * found out, so a plan's backward keeps direct kernels.
 */
final class Winograd {
    static final String PROPERTY = "xai4j.onednn.winograd";

    private Winograd() {}

    /** Whether plans compiled from now on should try Winograd kernels (read at each compile): unless the property says false. */
    static boolean requested() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
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
