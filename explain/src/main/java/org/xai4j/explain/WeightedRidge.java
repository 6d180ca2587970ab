package org.xai4j.explain;

/**
 * Weighted ridge regression with an unpenalised intercept, the surrogate fit of LIME and
 * KernelSHAP, in double:
 * <pre>
 *   min_{b, beta}  sum_i w_i (y_i - b - X_i . beta)^2 + alpha |beta|^2
 *   beta = (Xc' W Xc + alpha I)^-1 Xc' W yc,   b = ybar - xbar . beta
 * </pre>
 * with {@code xbar}, {@code ybar} the w-weighted means and {@code Xc}, {@code yc} centred by them
 * (what scikit-learn's {@code Ridge(fit_intercept=True)} with sample weights solves). Without an
 * intercept nothing is centred. Solved by Gaussian elimination with partial pivoting; a
 * singular system (too few distinct samples for the features, with alpha 0) is an error.
 */
final class WeightedRidge {
    private WeightedRidge() {}

    /** The fit: coefficients and intercept (0 when not fitted). */
    record Fit(double[] beta, double intercept) {}

    static Fit fit(double[][] X, double[] y, double[] w, double alpha, boolean intercept) {
        int n = X.length;
        int M = n == 0 ? 0 : X[0].length;
        double sw = 0;
        double[] xbar = new double[M];
        double ybar = 0;
        if (intercept) {
            for (int i = 0; i < n; i++) {
                sw += w[i];
                ybar += w[i] * y[i];
                for (int j = 0; j < M; j++) {
                    xbar[j] += w[i] * X[i][j];
                }
            }
            ybar /= sw;
            for (int j = 0; j < M; j++) {
                xbar[j] /= sw;
            }
        }
        double[][] A = new double[M][M + 1];
        double[] xc = new double[M];
        for (int i = 0; i < n; i++) {
            if (w[i] == 0) {
                continue;
            }
            for (int j = 0; j < M; j++) {
                xc[j] = X[i][j] - xbar[j];
            }
            double yc = y[i] - ybar;
            for (int j = 0; j < M; j++) {
                double wx = w[i] * xc[j];
                if (wx == 0) {
                    continue;
                }
                for (int k = j; k < M; k++) {
                    A[j][k] += wx * xc[k];
                }
                A[j][M] += wx * yc;
            }
        }
        for (int j = 0; j < M; j++) {
            A[j][j] += alpha;
            for (int k = 0; k < j; k++) {
                A[j][k] = A[k][j];
            }
        }
        double[] beta = solve(A, M);
        double b = ybar;
        for (int j = 0; j < M; j++) {
            b -= xbar[j] * beta[j];
        }
        return new Fit(beta, intercept ? b : 0);
    }

    /** Solves the augmented system {@code A [M][M+1]} in place. */
    private static double[] solve(double[][] A, int M) {
        double scale = 0;
        for (int j = 0; j < M; j++) {
            scale = Math.max(scale, Math.abs(A[j][j]));
        }
        for (int col = 0; col < M; col++) {
            int pivot = col;
            for (int r = col + 1; r < M; r++) {
                if (Math.abs(A[r][col]) > Math.abs(A[pivot][col])) {
                    pivot = r;
                }
            }
            if (!(Math.abs(A[pivot][col]) > 1e-12 * scale)) {
                throw new IllegalArgumentException("the surrogate's least-squares system is singular: too few distinct "
                        + "samples for " + M + " segments; ask for more samples (--samples) or fewer segments");
            }
            double[] t = A[col];
            A[col] = A[pivot];
            A[pivot] = t;
            for (int r = col + 1; r < M; r++) {
                double f = A[r][col] / A[col][col];
                if (f != 0) {
                    for (int k = col; k <= M; k++) {
                        A[r][k] -= f * A[col][k];
                    }
                }
            }
        }
        double[] x = new double[M];
        for (int r = M - 1; r >= 0; r--) {
            double s = A[r][M];
            for (int k = r + 1; k < M; k++) {
                s -= A[r][k] * x[k];
            }
            x[r] = s / A[r][r];
        }
        return x;
    }
}
