package org.xai4j.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.xai4j.explain.BackwardRules;
import org.xai4j.explain.Baseline;
import org.xai4j.explain.Cam;
import org.xai4j.explain.Deconvnet;
import org.xai4j.explain.Explainer;
import org.xai4j.explain.GradCam;
import org.xai4j.explain.GradientTimesInput;
import org.xai4j.explain.GuidedBackprop;
import org.xai4j.explain.GuidedGradCam;
import org.xai4j.explain.IntegratedGradients;
import org.xai4j.explain.Maps;
import org.xai4j.explain.Quadrature;
import org.xai4j.explain.Saliency;
import org.xai4j.explain.SmoothGrad;
import org.xai4j.explain.SmoothGradCamPlusPlus;

/**
 * The methods {@code xai4j explain --method} offers, by their command-line names, and how each
 * becomes an {@link Explainer} of the explain module. Input-shaped methods write the raw
 * {@code [1, C, H, W]} attribution; CAM methods ({@link #cam()}) write the upsampled {@code H x W}
 * map and the {@code h x w} one at the layer.
 */
enum ExplainMethod {
    SALIENCY("saliency", Maps.Aggregation.ABS_MAX),
    GRADXINPUT("gradxinput", Maps.Aggregation.ABS_SUM),
    IG("ig", Maps.Aggregation.ABS_SUM),
    SMOOTHGRAD("smoothgrad", Maps.Aggregation.ABS_MAX),
    GUIDED_BACKPROP("guided-backprop", Maps.Aggregation.ABS_MAX),
    DECONVNET("deconvnet", Maps.Aggregation.ABS_MAX),
    CAM("cam", null),
    GRADCAM("gradcam", null),
    GRADCAM_POSITIVE("gradcam-positive", null),
    GUIDED_GRADCAM("guided-gradcam", Maps.Aggregation.ABS_MAX),
    GRADCAM_PLUS_PLUS("gradcam++", null),
    SMOOTH_GRADCAM_PLUS_PLUS("smooth-gradcam++", null);

    /** The settings every method draws from (each uses the ones {@link #parameters} lists). */
    record Settings(String layer, int steps, Quadrature rule, Baseline baseline, String baselineName, int samples,
                    double sigma, long seed, int batchSize, BackwardRules.Activations rectifiers) {}

    private final String cliName;
    // How an input-shaped attribution becomes one picture (Captum sums signed contributions
    // before taking |.|; gradients are shown as Simonyan et al.'s max_c |g|); null for CAM maps.
    private final Maps.Aggregation display;

    ExplainMethod(String cliName, Maps.Aggregation display) {
        this.cliName = cliName;
        this.display = display;
    }

    String cliName() {
        return cliName;
    }

    /** Whether the result is a map at a layer (CAM family) rather than an input-shaped attribution. */
    boolean cam() {
        return display == null;
    }

    Maps.Aggregation display() {
        return display;
    }

    /** Whether the method runs several inputs per pass (steps or noisy samples). */
    boolean batched() {
        return this == IG || this == SMOOTHGRAD || this == SMOOTH_GRADCAM_PLUS_PLUS;
    }

    boolean needsLayer() {
        return cam() || this == GUIDED_GRADCAM;
    }

    Explainer<?> explainer(Settings s) {
        return switch (this) {
            case SALIENCY -> new Saliency();
            case GRADXINPUT -> new GradientTimesInput();
            case IG -> new IntegratedGradients(s.baseline(), s.steps(), s.rule(), s.batchSize());
            case SMOOTHGRAD -> new SmoothGrad(new Saliency(), s.samples(), s.sigma(), s.seed(), s.batchSize());
            case GUIDED_BACKPROP -> new GuidedBackprop(s.rectifiers());
            case DECONVNET -> new Deconvnet(s.rectifiers());
            case CAM -> Cam.of(s.layer());
            case GRADCAM -> GradCam.of(s.layer());
            case GRADCAM_POSITIVE -> GradCam.positiveGradients(s.layer());
            case GUIDED_GRADCAM -> new GuidedGradCam(s.layer(), s.rectifiers());
            case GRADCAM_PLUS_PLUS -> GradCam.plusPlus(s.layer());
            case SMOOTH_GRADCAM_PLUS_PLUS -> new SmoothGradCamPlusPlus(s.layer(), s.samples(), s.sigma(), s.seed(), s.batchSize());
        };
    }

    /** The settings this method used, for its JSON record. */
    Map<String, Object> parameters(Settings s) {
        Map<String, Object> p = new LinkedHashMap<>();
        if (needsLayer()) {
            p.put("layer", s.layer());
        }
        if (this == IG) {
            p.put("steps", s.steps());
            p.put("rule", ruleName(s.rule()));
            p.put("baseline", s.baselineName());
        }
        if (this == SMOOTHGRAD || this == SMOOTH_GRADCAM_PLUS_PLUS) {
            if (this == SMOOTHGRAD) {
                p.put("wrapped", SALIENCY.cliName);
            }
            p.put("samples", s.samples());
            p.put("sigma", s.sigma());
            p.put("seed", s.seed());
        }
        if (batched()) {
            p.put("batch_size", s.batchSize());
        }
        if (this == GUIDED_BACKPROP || this == DECONVNET || this == GUIDED_GRADCAM) {
            p.put("rectifiers", s.rectifiers() == BackwardRules.Activations.RELU_ONLY ? "relu" : "relu and relu6");
        }
        return p;
    }

    /** Parses a command-line name (any case). */
    static ExplainMethod parse(String name) {
        for (ExplainMethod m : values()) {
            if (m.cliName.equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "'; accepted: " + names() + ", all");
    }

    static String names() {
        return Arrays.stream(values()).map(ExplainMethod::cliName).collect(Collectors.joining(", "));
    }

    /** "right", "left", "midpoint", "trapezoid", "gauss-legendre". */
    static String ruleName(Quadrature rule) {
        return switch (rule) {
            case RIGHT_RIEMANN -> "right";
            case LEFT_RIEMANN -> "left";
            case MIDPOINT_RIEMANN -> "midpoint";
            case TRAPEZOID -> "trapezoid";
            case GAUSS_LEGENDRE -> "gauss-legendre";
        };
    }

    static Quadrature parseRule(String name) {
        for (Quadrature q : Quadrature.values()) {
            if (ruleName(q).equals(name.trim().toLowerCase(Locale.ROOT))) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown rule '" + name + "'; accepted: right, left, midpoint, trapezoid, gauss-legendre");
    }
}
