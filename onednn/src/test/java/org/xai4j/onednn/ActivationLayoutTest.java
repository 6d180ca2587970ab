package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Tape;
import org.xai4j.engine.Node;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.ConvSpec;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.ReLU;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.MobileNet;
import org.xai4j.layers.zoo.ResNet;

/**
 * The channel block follows the ISA oneDNN runs at, and with it every convolution, pooling and
 * eltwise kernel of a plan is of that ISA's family, forward and backward. CI runs this class at
 * the host's best ISA and once more with {@code ONEDNN_MAX_CPU_ISA=AVX2} (onednn/pom.xml), so an
 * AVX-512 host checks both widths.
 */
class ActivationLayoutTest {

    @Test
    void theBlockIs16ChannelsAtAvx512And8Below() {
        for (int isa : new int[] {dnnl_cpu_isa_avx512_core, dnnl_cpu_isa_avx512_core_vnni, dnnl_cpu_isa_avx512_core_bf16,
            dnnl_cpu_isa_avx512_core_amx, dnnl_cpu_isa_avx512_mic}) {
            assertEquals(16, ActivationLayout.of(isa).block(), ActivationLayout.isaName(isa));
            assertEquals(dnnl_aBcd16b, ActivationLayout.of(isa).tag());
        }
        for (int isa : new int[] {dnnl_cpu_isa_sse41, dnnl_cpu_isa_avx, dnnl_cpu_isa_avx2, dnnl_cpu_isa_avx2_vnni}) {
            assertEquals(8, ActivationLayout.of(isa).block(), ActivationLayout.isaName(isa));
            assertEquals(dnnl_aBcd8b, ActivationLayout.of(isa).tag());
        }
        // Channels last (plans split by rows): no block, whatever the ISA.
        for (int isa : new int[] {dnnl_cpu_isa_avx512_core, dnnl_cpu_isa_avx2}) {
            ActivationLayout nhwc = ActivationLayout.of(isa).withChannelsLast();
            assertEquals(dnnl_acdb, nhwc.tag());
            assertTrue(nhwc.describe().startsWith("activations nhwc (oneDNN ISA "), nhwc.describe());
        }
    }

    /** oneDNN's AVX-512 binary kernel took a post-op on nChw8c only at whole blocks of 16 (the overrun, wrong sums). */
    @Test
    void anAdditionKeepsItsPostOpExceptOnNChw8cAtAvx512() {
        ActivationLayout narrowAtAvx512 = new ActivationLayout(dnnl_cpu_isa_avx512_core, 8);
        for (long C = 1; C <= 48; C++) {
            assertEquals(C % 16 == 0, narrowAtAvx512.fusesBinaryPostOp(C), "C = " + C);
            assertTrue(ActivationLayout.of(dnnl_cpu_isa_avx512_core).fusesBinaryPostOp(C), "C = " + C);
            assertTrue(ActivationLayout.of(dnnl_cpu_isa_avx2).fusesBinaryPostOp(C), "C = " + C);
        }
        assertTrue(ActivationLayout.HOST.fusesBinaryPostOp(8));
    }

    @Test
    void hostLayoutFollowsTheEffectiveIsa() {
        int isa = dnnl_get_effective_cpu_isa();
        assertEquals(isa, ActivationLayout.HOST.isa());
        String cap = System.getenv("ONEDNN_MAX_CPU_ISA");
        if (cap != null && cap.equalsIgnoreCase("AVX2")) {
            assertEquals(8, ActivationLayout.HOST.block(), "ONEDNN_MAX_CPU_ISA=AVX2: " + ActivationLayout.HOST.describe());
        }
    }

    /**
     * Groups of 8 channels have no AVX-512 jit kernel on nChw16c, only a reference loop: that plan
     * takes blocks of 8 (the AVX2 kernel), forward and backward; with groups of 16 it keeps 16.
     */
    @Test
    void aGroupedConvolutionOf8ChannelsPerGroupTakesBlocksOf8() {
        for (int groups : new int[] {1, 2, 4}) {
            Graph g = grouped(groups);
            INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 15, 13);
            g.run(Map.of("x", x), List.of("gap"));
            try (Tape t = g.forward(Map.of("x", x), List.of("x"))) {
                t.backward("gap", Nd4j.onesLike(t.output()), List.of("x"));
            }
            String plans = String.join("\n", g.describePlans());
            assertFalse(plans.contains("ref:"), () -> "a reference kernel was chosen:\n" + plans);
            ActivationLayout expected = groups == 4 ? ActivationLayout.HOST.narrower() : ActivationLayout.HOST;
            assertTrue(plans.contains(expected.describe()) && !plans.contains("not compilable"),
                    () -> groups + " groups of " + 32 / groups + " channels: expected " + expected.describe() + ":\n" + plans);
        }
    }

    /** A 3x3 stem of 32 channels, a 3x3 convolution of {@code groups} groups over them, ReLU, global pooling. */
    private static Graph grouped(int groups) {
        Nd4j.getRandom().setSeed(groups);
        Conv2d stem = new Conv2d(Nd4j.randn(DataType.FLOAT, 32, 3, 3, 3), null, ConvSpec.DEFAULT.withPadding(1));
        Conv2d conv = new Conv2d(Nd4j.randn(DataType.FLOAT, 32, 32 / groups, 3, 3), null, ConvSpec.DEFAULT.withGroups(groups).withPadding(1));
        return new Graph(List.of(Graph.Input.of("x", -1, 3, 15, 13)), List.of(new Node("stem", stem, List.of("x")),
                new Node("conv", conv, List.of("stem")), new Node("relu", new ReLU(), List.of("conv")),
                new Node("gap", new GlobalAvgPool(), List.of("relu"))), List.of("gap"));
    }

    /**
     * The same graphs' batch-1 forward plans compiled for two threads, which split by rows in nhwc
     * where that leaves no kernel to a reference loop, and by channel blocks (of 8 where 16 would)
     * where it does: no plan runs a reference loop.
     */
    @Test
    void aSplitPlanRunsNoReferenceKernelEither() {
        for (int groups : new int[] {1, 2, 4}) {
            Graph g = grouped(groups);
            INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 15, 13);
            Crew.withOpenMpThreads(2, () -> g.run(Map.of("x", x), List.of("gap")));
            String plans = String.join("\n", g.describePlans());
            System.out.println(groups + " groups of " + 32 / groups + " channels, split plan: " + plans.split("\n")[0]);
            assertTrue(plans.contains("steps split over 2 threads"), plans);
            assertFalse(plans.contains("ref:"), () -> "a reference kernel was chosen:\n" + plans);
            // oneDNN has no Winograd kernel on nhwc: a plan split by rows never recompiles for it.
            assertFalse(plans.contains("by rows") && plans.contains("winograd from run"), plans);
        }
        System.setProperty(Winograd.PROPERTY, "true");
        try {
            Nd4j.getRandom().setSeed(5);
            Conv2d stem = new Conv2d(Nd4j.randn(DataType.FLOAT, 32, 3, 3, 3), null, ConvSpec.DEFAULT.withPadding(1));
            Conv2d conv = new Conv2d(Nd4j.randn(DataType.FLOAT, 32, 32, 3, 3), null, ConvSpec.DEFAULT.withPadding(1));
            Graph g = new Graph(List.of(Graph.Input.of("x", -1, 3, 15, 13)), List.of(new Node("stem", stem, List.of("x")),
                    new Node("conv", conv, List.of("stem")), new Node("gap", new GlobalAvgPool(), List.of("conv"))), List.of("gap"));
            Crew.withOpenMpThreads(2, () -> g.run(Map.of("x", Nd4j.randn(DataType.FLOAT, 1, 3, 15, 13)), List.of("gap")));
            String plan = g.describePlans().get(0);
            assertTrue(plan.contains("by rows") && plan.contains("winograd in 0 of 2"), plan); // the stem and conv, both 3 x 3 stride 1
        } finally {
            System.clearProperty(Winograd.PROPERTY);
        }
    }

    /**
     * ResNet-18 and MobileNetV2, forward and input-gradient plans, and MobileNetV2's batch-1
     * forward plan split by rows in nhwc: the plan names its layout, and every convolution, pooling
     * and eltwise kernel is of the ISA's family ("jit:avx512_common" and "jit:avx512_core" at
     * AVX-512, "brgconv_1x1:avx512_core" and "brdgmm_dw:avx512_core" in nhwc, "jit_1x1:avx2" ...).
     * The binary primitive's kernel is "jit:uni"
     * at every ISA, and the classifier head's inner product "x64:gemm:jit": oneDNN's jit sgemm,
     * which picks its kernel for the ISA (the cap included) as it runs.
     */
    @Test
    void everyKernelOfAPlanIsOfTheIsasFamily() {
        ActivationLayout layout = ActivationLayout.HOST;
        String family = layout.block() == 16 ? "avx512" : "avx2";
        boolean check = ActivationLayout.avx512(layout.isa()) || (layout.isa() & dnnl_cpu_isa_avx2) == dnnl_cpu_isa_avx2;
        // The third: MobileNetV2's forward plan compiled for two threads, split by rows in nhwc (RowSplit).
        List<Graph> graphs = List.of(Specialization.apply(BatchNormFolding.fold(ResNet.resnet18(3))),
                Specialization.apply(BatchNormFolding.fold(MobileNet.v2(3))), Specialization.apply(BatchNormFolding.fold(MobileNet.v2(3))));
        for (int k = 0; k < graphs.size(); k++) {
            Graph g = graphs.get(k);
            String in = g.inputs().get(0).name();
            String out = g.outputs().get(0);
            long[] shape = g.inputs().get(0).shape().clone();
            shape[0] = 1;
            INDArray x = Nd4j.randn(DataType.FLOAT, shape);
            Crew.withOpenMpThreads(k == 2 ? 2 : 1, () -> g.run(Map.of(in, x), List.of(out)));
            try (Tape t = g.forward(Map.of(in, x), List.of(in))) {
                t.backward(out, Nd4j.onesLike(t.output()), List.of(in));
            }
            String plans = String.join("\n", g.describePlans());
            assertTrue(plans.contains("backward=false") && plans.contains("backward=true"), plans);
            assertTrue(plans.contains(layout.describe()), () -> "the plans do not name their layout:\n" + plans);
            if (k == 2) {
                assertTrue(plans.contains(layout.withChannelsLast().describe() + ", input reordered into it"), plans);
            }
            Map<String, Integer> kernels = new TreeMap<>();
            List<String> others = new ArrayList<>();
            for (String line : plans.split("\n")) {
                for (String kernel : line.substring(line.lastIndexOf(": ") + 2).split(" ")) {
                    if (!kernel.contains(":")) {
                        continue; // the layout line, "(passes dy on)"
                    }
                    kernels.merge(kernel, 1, Integer::sum);
                    // Forward pooling takes the SSE4.1 kernel by choice (OneDnnPlan.POOLING_KERNEL).
                    boolean pooling = line.contains("pool") && kernel.equals(OneDnnPlan.POOLING_KERNEL);
                    if (!kernel.substring(kernel.lastIndexOf(':') + 1).startsWith(family) && !kernel.equals("jit:uni")
                            && !kernel.equals("x64:gemm:jit") && !pooling) {
                        others.add(line.strip());
                    }
                }
            }
            System.out.println(layout.describe() + ", kernels of the plans: " + kernels);
            assertFalse(kernels.isEmpty(), plans);
            if (check) {
                assertTrue(others.isEmpty(), () -> "kernels not of the " + family + " family:\n" + String.join("\n", others));
            }
        }
    }
}
