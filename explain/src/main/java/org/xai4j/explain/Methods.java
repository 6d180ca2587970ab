package org.xai4j.explain;

import static org.xai4j.explain.Parameter.AUGMENTATIONS;
import static org.xai4j.explain.Parameter.BASELINE;
import static org.xai4j.explain.Parameter.BATCH_SIZE;
import static org.xai4j.explain.Parameter.FILL;
import static org.xai4j.explain.Parameter.GAP;
import static org.xai4j.explain.Parameter.GRID;
import static org.xai4j.explain.Parameter.ITERATIONS;
import static org.xai4j.explain.Parameter.KEEP;
import static org.xai4j.explain.Parameter.LAMBDA;
import static org.xai4j.explain.Parameter.LAYER;
import static org.xai4j.explain.Parameter.MASKS;
import static org.xai4j.explain.Parameter.MU;
import static org.xai4j.explain.Parameter.PATCH;
import static org.xai4j.explain.Parameter.RECTIFIERS;
import static org.xai4j.explain.Parameter.RULE;
import static org.xai4j.explain.Parameter.SAMPLES;
import static org.xai4j.explain.Parameter.SEED;
import static org.xai4j.explain.Parameter.SEGMENTS;
import static org.xai4j.explain.Parameter.SIGMA;
import static org.xai4j.explain.Parameter.STEP;
import static org.xai4j.explain.Parameter.STEPS;
import static org.xai4j.explain.Parameter.STRIDE;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.xai4j.engine.Graph;

/**
 * The method catalogue: every explanation method once, in the order the command line runs them
 * for {@code --method all}. The command line's {@code --method} values, its help, the
 * {@code parameters} of the JSON records and the method table of the module README all come from
 * here. A new method is its class, its test, one entry below and one README row
 * ({@link #markdownTable}; a test keeps the README equal to it).
 */
public final class Methods {
    private Methods() {}

    public static final List<Method> ALL = List.of(
            Method.inputShaped("saliency", "Saliency", "Saliency",
                    "dScore/dx: which input values the score is most sensitive to",
                    "Simonyan et al., ICLR 2014 workshop", "F + B", Maps.Aggregation.ABS_MAX, List.of(),
                    p -> new Saliency()),
            Method.inputShaped("gradxinput", "Gradient x input", "GradientTimesInput",
                    "x * dScore/dx: first-order contribution of each value",
                    "Shrikumar et al., 2016", "F + B", Maps.Aggregation.ABS_SUM, List.of(),
                    p -> new GradientTimesInput()),
            Method.inputShaped("ig", "Integrated gradients", "IntegratedGradients",
                    "gradient averaged on the path from a baseline, times x - b; sums to f(x) - f(b) (gap reported)",
                    "Sundararajan et al., ICML 2017", "2 F + steps x (F + B)", Maps.Aggregation.ABS_SUM,
                    List.of(STEPS, RULE, BASELINE, BATCH_SIZE, GAP),
                    p -> new IntegratedGradients(p.baseline(), p.steps(), p.rule(), p.batchSize(), p.gap(), p.progress()))
                    .withRows(p -> 2L + p.steps()),
            Method.inputShaped("smoothgrad", "SmoothGrad", "SmoothGrad(Saliency)",
                    "the saliency map averaged over noisy copies (SmoothGrad wraps any explainer)",
                    "Smilkov et al., 2017", "F + samples x (F + B)", Maps.Aggregation.ABS_MAX,
                    List.of(SAMPLES, SIGMA, SEED, BATCH_SIZE),
                    p -> new SmoothGrad(new Saliency(), p.samples(), p.sigma(), p.seed(), p.batchSize(), p.progress()))
                    .withFixed("wrapped", "saliency").withRows(p -> 1L + p.samples()),
            Method.inputShaped("guided-backprop", "Guided backprop", "GuidedBackprop",
                    "gradient with rectifiers passing only positive signal where active: sharp edges",
                    "Springenberg et al., ICLR 2015 workshop", "F + B", Maps.Aggregation.ABS_MAX, List.of(RECTIFIERS),
                    p -> new GuidedBackprop(p.rectifiers())),
            Method.inputShaped("deconvnet", "Deconvnet", "Deconvnet",
                    "signal rectified at every rectifier, unpooled through max-pool switches",
                    "Zeiler and Fergus, ECCV 2014", "F + B", Maps.Aggregation.ABS_MAX, List.of(RECTIFIERS),
                    p -> new Deconvnet(p.rectifiers())),
            Method.cam("cam", "CAM", "Cam",
                    "classifier weights applied to the feature maps before GAP + linear (or 1x1 conv)",
                    "Zhou et al., CVPR 2016", "F", List.of(LAYER),
                    p -> Cam.of(p.layer()))
                    .withCheck((graph, head, p) -> head.classifierAt(graph, head.featureMapsAt(graph, p.layer(), "cam"))),
            Method.cam("gradcam", "Grad-CAM", "GradCam.of",
                    "feature maps weighted by their mean gradient, ReLU, upsampled",
                    "Selvaraju et al., ICCV 2017", "F + B_L", List.of(LAYER),
                    p -> GradCam.of(p.layer())),
            Method.cam("gradcam-positive", "Grad-CAM, positive gradients", "GradCam.positiveGradients",
                    "the same with each channel weighted by its mean positive gradient",
                    "(variant)", "F + B_L", List.of(LAYER),
                    p -> GradCam.positiveGradients(p.layer())),
            Method.inputShaped("guided-gradcam", "Guided Grad-CAM", "GuidedGradCam",
                    "guided backprop masked by upsampled Grad-CAM",
                    "Selvaraju et al., ICCV 2017", "F + B_L + B", Maps.Aggregation.ABS_MAX, List.of(LAYER, RECTIFIERS),
                    p -> new GuidedGradCam(p.layer(), p.rectifiers())),
            Method.cam("gradcam++", "Grad-CAM++", "GradCam.plusPlus",
                    "pixel-weighted positive gradients (closed form, eps 1e-6)",
                    "Chattopadhay et al., WACV 2018", "F + B_L", List.of(LAYER),
                    p -> GradCam.plusPlus(p.layer())),
            Method.cam("smooth-gradcam++", "Smooth Grad-CAM++", "SmoothGradCamPlusPlus",
                    "Grad-CAM++ from gradient powers averaged over noisy copies",
                    "Omeiza et al., 2019", "F + samples x (F + B_L)", List.of(LAYER, SAMPLES, SIGMA, SEED, BATCH_SIZE),
                    p -> new SmoothGradCamPlusPlus(p.layer(), p.samples(), p.sigma(), p.seed(), p.batchSize(), p.progress()))
                    .withRows(p -> 1L + p.samples()),
            // The rest of the CAM family and Augmented Grad-CAM (issue 13).
            Method.cam("scorecam", "Score-CAM", "ScoreCam",
                    "feature maps weighted by the class probability of the input masked by each (upsampled, scaled to [0, 1]), "
                            + "minus that of the zero input",
                    "Wang et al., CVPR workshops 2020", "(K + 2) F", List.of(LAYER, BATCH_SIZE),
                    p -> new ScoreCam(p.layer(), p.batchSize(), p.progress()))
                    .withRows((graph, x, p) -> 2L + channels(graph, x, p)),
            Method.cam("ablationcam", "Ablation-CAM", "AblationCam",
                    "feature maps weighted by the fraction of the score lost when each is set to zero",
                    "Desai and Ramaswamy, WACV 2020", "F + K F_L", List.of(LAYER, BATCH_SIZE),
                    p -> new AblationCam(p.layer(), p.batchSize(), p.progress()))
                    .withRows((graph, x, p) -> 1L + channels(graph, x, p)),
            Method.cam("layercam", "LayerCAM", "LayerCam",
                    "each position of each feature map weighted by its positive gradient",
                    "Jiang et al., IEEE TIP 2021", "F + B_L", List.of(LAYER),
                    p -> new LayerCam(p.layer())),
            Method.cam("xgradcam", "XGrad-CAM", "XGradCam",
                    "feature maps weighted by their gradient averaged with the activations as weights",
                    "Fu et al., BMVC 2020", "F + B_L", List.of(LAYER),
                    p -> new XGradCam(p.layer())),
            Method.cam("hirescam", "HiResCAM", "HiResCam",
                    "gradient times activation at each position, summed over channels",
                    "Draelos and Carin, 2020", "F + B_L", List.of(LAYER),
                    p -> new HiResCam(p.layer())),
            Method.cam("eigencam", "Eigen-CAM", "EigenCam",
                    "feature maps projected on their first principal component; no gradient, the same for every class",
                    "Muhammad and Yeasin, IJCNN 2020", "F", List.of(LAYER),
                    p -> new EigenCam(p.layer())),
            Method.cam("augmented-gradcam", "Augmented Grad-CAM", "AugmentedGradCam",
                    "high-resolution map fitted to the Grad-CAMs of rotated and shifted copies, total variation regularised",
                    "Morbidelli et al., ICASSP 2020", "F + augmentations x (F + B_L)",
                    List.of(LAYER, SEED, BATCH_SIZE, AUGMENTATIONS, LAMBDA, MU, ITERATIONS, STEP),
                    p -> new AugmentedGradCam(p.layer(), p.augmentations(), p.lambda(), p.mu(), p.iterations(), p.step(), p.seed(),
                            p.batchSize(), p.progress()))
                    .withRows(p -> 1L + p.augmentations()),
            // Perturbation methods: the model probed from outside, many forward passes and no gradient.
            // The plain method: ReceptiveFieldOcclusion, with its steps and rest in compiled plans too, is slower
            // on ResNet-50 and faster on ResNet-18 on a quiet host (patch 32, stride 16: 3.68-3.89 s against
            // 3.45 s; 1.26 s against 1.52 s), and no rule tells the two cases apart before running; see
            // explain/README.md.
            Method.heatMap("occlusion", "Occlusion", "Occlusion",
                    "score drop when a square is hidden, per pixel the mean over the squares covering it (grid in _grid.npy)",
                    "Zeiler and Fergus, ECCV 2014", "F + squares x F",
                    List.of(BATCH_SIZE, PATCH, STRIDE, FILL),
                    p -> new Occlusion(p.perturbation().patch(), p.perturbation().stride(), p.perturbation().fill(),
                            p.batchSize(), p.progress()))
                    .withRows(p -> 1L + p.perturbation().squares())
                    .withCheck((graph, head, p) -> Occlusion.Geometry.of(p.perturbation().patch(), p.perturbation().stride(),
                            p.perturbation().height(), p.perturbation().width())),
            Method.heatMap("rise", "RISE", "Rise",
                    "scores of randomly masked copies averaged with their masks as weights",
                    "Petsiuk et al., BMVC 2018", "F + masks x F", List.of(SEED, BATCH_SIZE, FILL, MASKS, GRID, KEEP),
                    p -> new Rise(p.perturbation().masks(), p.perturbation().grid(), p.perturbation().keep(), p.perturbation().fill(),
                            p.seed(), p.batchSize(), p.progress()))
                    .withRows(p -> 1L + p.perturbation().masks())
                    .withCheck((graph, head, p) -> Rise.checkGrid(p.perturbation().grid(), p.perturbation().height(),
                            p.perturbation().width())),
            Method.heatMap("lime", "LIME", "Lime",
                    "weights of a ridge fit of the score on random superpixel coalitions, kernel width 0.25 (segments in _segments.npy)",
                    "Ribeiro et al., KDD 2016", "F + samples x F", List.of(SAMPLES, SEED, BATCH_SIZE, FILL, SEGMENTS),
                    p -> new Lime(p.perturbation().segments(), p.samples(), p.perturbation().fill(), Lime.ALPHA, p.seed(),
                            p.batchSize(), p.progress()))
                    .withRows(p -> 1L + p.samples()),
            Method.heatMap("kernelshap", "KernelSHAP", "KernelShap",
                    "Shapley values of superpixels by the Shapley kernel's weighted fit; exact when samples >= 2^segments",
                    "Lundberg and Lee, NeurIPS 2017", "F + min(samples, 2^M) x F", List.of(SAMPLES, SEED, BATCH_SIZE, FILL, SEGMENTS),
                    p -> new KernelShap(p.perturbation().segments(), p.samples(), p.perturbation().fill(), p.seed(),
                            p.batchSize(), p.progress()))
                    .withRows(p -> 1L + p.samples()));

    /** The channels K at the method's layer for one input row of shape {@code x}; 0 when that cannot be known. */
    private static long channels(Graph graph, long[] x, Parameters p) {
        if (graph == null || x == null) {
            return 0;
        }
        try {
            String layer = Head.of(graph).featureMapsAt(graph, p.layer(), "the method");
            long[] shape = graph.shapes(Map.of(ActivationGradient.inputOf(graph), x)).get(layer);
            return shape == null || shape.length < 2 ? 0 : shape[1];
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The coalitions LIME and KernelSHAP score when no number is given (lime_image's num_samples default). */
    public static final int SURROGATE_SAMPLES = 1000;

    /** {@code p} with the number of samples a method uses by default: SmoothGrad's 25 are far too few coalitions for a surrogate fit. */
    public static Parameters withDefaultSamples(Method m, Parameters p) {
        return m.name().equals("lime") || m.name().equals("kernelshap") ? p.withSamples(SURROGATE_SAMPLES) : p;
    }

    /** The method called {@code name} (any case), or a one-line error listing them all. */
    public static Method named(String name) {
        for (Method m : ALL) {
            if (m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "'; accepted: " + names());
    }

    /** "saliency, gradxinput, ..., smooth-gradcam++". */
    public static String names() {
        return ALL.stream().map(Method::name).collect(Collectors.joining(", "));
    }

    /** The methods that take {@code p}, e.g. "ig, smoothgrad, smooth-gradcam++" for BATCH_SIZE. */
    public static List<Method> taking(Parameter p) {
        return ALL.stream().filter(m -> m.takes(p)).toList();
    }

    /** The module README's method table, one row per entry. */
    public static String markdownTable() {
        StringBuilder s = new StringBuilder("| `--method` | method | class | what it shows | paper | cost | parameters |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (Method m : ALL) {
            String parameters = m.parameters().stream().map(p -> "`" + p.key() + "`").collect(Collectors.joining(", "));
            s.append(String.format(Locale.ROOT, "| `%s` | %s | `%s` | %s | %s | %s | %s |\n", m.name(), m.title(), m.api(),
                    m.summary(), m.paper(), m.cost(), parameters.isEmpty() ? "-" : parameters));
        }
        return s.toString();
    }
}
