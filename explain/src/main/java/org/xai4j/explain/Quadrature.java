package org.xai4j.explain;

/**
 * Rules for the path integral of integrated gradients, {@code int_0^1 g(alpha) d alpha ~
 * sum_i w_i g(alpha_i)}, each with {@code steps} gradient evaluations:
 * <pre>
 *   LEFT_RIEMANN      alpha_i = i/n,        i = 0..n-1,  w_i = 1/n
 *   RIGHT_RIEMANN     alpha_i = i/n,        i = 1..n,    w_i = 1/n     (the oracle's, alpha = 1 included)
 *   MIDPOINT_RIEMANN  alpha_i = (i+1/2)/n,  i = 0..n-1,  w_i = 1/n
 *   TRAPEZOID         alpha_i = i/(n-1),    i = 0..n-1,  w_i = 1/(n-1), halved at both ends (n >= 2)
 *   GAUSS_LEGENDRE    the n Legendre nodes mapped to [0, 1], exact for polynomials of degree 2n-1
 * </pre>
 * The weights sum to 1. Gauss-Legendre converges fastest on smooth paths; on piecewise-linear
 * networks every rule pays for the kinks it straddles.
 */
public enum Quadrature {
    LEFT_RIEMANN, RIGHT_RIEMANN, MIDPOINT_RIEMANN, TRAPEZOID, GAUSS_LEGENDRE;

    /** The rule's name on the command line and in JSON records: right, left, midpoint, trapezoid, gauss-legendre. */
    public String label() {
        return switch (this) {
            case RIGHT_RIEMANN -> "right";
            case LEFT_RIEMANN -> "left";
            case MIDPOINT_RIEMANN -> "midpoint";
            case TRAPEZOID -> "trapezoid";
            case GAUSS_LEGENDRE -> "gauss-legendre";
        };
    }

    /** The rule named {@code label} (any case). */
    public static Quadrature parse(String label) {
        for (Quadrature q : values()) {
            if (q.label().equalsIgnoreCase(label.trim())) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown rule '" + label + "'; accepted: right, left, midpoint, trapezoid, gauss-legendre");
    }

    /** Nodes in [0, 1] (ascending) and their weights. */
    public record Points(double[] alphas, double[] weights) {}

    public Points points(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (this == TRAPEZOID && steps < 2) {
            throw new IllegalArgumentException("the trapezoid rule needs steps >= 2 (both ends of the path), got " + steps);
        }
        double[] alphas = new double[steps];
        double[] weights = new double[steps];
        if (this == GAUSS_LEGENDRE) {
            gaussLegendre(steps, alphas, weights);
            return new Points(alphas, weights);
        }
        for (int i = 0; i < steps; i++) {
            weights[i] = 1.0 / steps;
            alphas[i] = switch (this) {
                case LEFT_RIEMANN -> (double) i / steps;
                case RIGHT_RIEMANN -> (double) (i + 1) / steps;
                case MIDPOINT_RIEMANN -> (i + 0.5) / steps;
                default -> (double) i / (steps - 1);
            };
        }
        if (this == TRAPEZOID) {
            java.util.Arrays.fill(weights, 1.0 / (steps - 1));
            weights[0] /= 2;
            weights[steps - 1] /= 2;
        }
        return new Points(alphas, weights);
    }

    /**
     * The rule's next, finer version that keeps every point of this one: {@code sum_next =
     * keep * sum_this + sum_i w_i g(alpha_i)} over the new points only. {@code steps} is the
     * number of points evaluated so far.
     * <pre>
     *   right, left, trapezoid  n intervals -> 2n: the new points (2i+1)/(2n), i = 0..n-1, w = 1/(2n), keep 1/2
     *   midpoint                n intervals -> 3n: (j+1/2)/(3n) for j = 3i and 3i+2, w = 1/(3n), keep 1/3
     * </pre>
     * (the old midpoints are the middles of the new thirds). Gauss-Legendre nodes do not nest.
     */
    public record Refinement(Points added, double keep) {}

    /** Whether {@link #refine} applies: every rule but Gauss-Legendre. */
    public boolean nests() {
        return this != GAUSS_LEGENDRE;
    }

    /** The points that refine the rule of {@code steps} points (see {@link Refinement}). */
    public Refinement refine(int steps) {
        if (!nests()) {
            throw new IllegalArgumentException("Gauss-Legendre nodes do not nest, so a finer rule cannot reuse them; use right, "
                    + "left, midpoint or trapezoid");
        }
        int n = this == TRAPEZOID ? steps - 1 : steps;
        if (this == MIDPOINT_RIEMANN) {
            double[] alphas = new double[2 * n];
            for (int i = 0; i < n; i++) {
                alphas[2 * i] = (3 * i + 0.5) / (3.0 * n);
                alphas[2 * i + 1] = (3 * i + 2.5) / (3.0 * n);
            }
            double[] weights = new double[2 * n];
            java.util.Arrays.fill(weights, 1.0 / (3 * n));
            return new Refinement(new Points(alphas, weights), 1.0 / 3);
        }
        double[] alphas = new double[n];
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            alphas[i] = (2 * i + 1) / (2.0 * n);
            weights[i] = 1.0 / (2 * n);
        }
        return new Refinement(new Points(alphas, weights), 0.5);
    }

    /**
     * Roots of the Legendre polynomial P_n by Newton's method from the usual first guess
     * {@code cos(pi (i + 3/4) / (n + 1/2))}; weights {@code 2 / ((1 - t^2) P_n'(t)^2)}.
     * Mapped from [-1, 1] to [0, 1]: {@code alpha = (1 - t)/2}, {@code w = w_t / 2}.
     */
    private static void gaussLegendre(int n, double[] alphas, double[] weights) {
        for (int i = 0; i < n; i++) {
            double t = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
            double derivative = 0;
            for (int iteration = 0; iteration < 100; iteration++) {
                double p = 1;
                double previous = 0;
                for (int j = 1; j <= n; j++) {
                    double older = previous;
                    previous = p;
                    p = ((2 * j - 1) * t * previous - (j - 1) * older) / j;
                }
                derivative = n * (t * p - previous) / (t * t - 1);
                double step = p / derivative;
                t -= step;
                if (Math.abs(step) < 1e-16) {
                    break;
                }
            }
            alphas[i] = (1 - t) / 2;
            weights[i] = 1 / ((1 - t * t) * derivative * derivative);
        }
    }
}
