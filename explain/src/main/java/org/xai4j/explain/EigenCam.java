package org.xai4j.explain;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.xai4j.engine.Flat;
import org.xai4j.engine.Graph;

/**
 * Eigen-CAM (Muhammad and Yeasin, "Eigen-CAM: Class Activation Map using Principal Components",
 * IJCNN 2020): the layer's feature maps projected on their first principal component. It uses no
 * gradient and no class: the map is the same whatever the target (the result still reports the
 * target's score).
 * <pre>
 *   O    = A as a (h*w) x K matrix (a row per position), O = U S V^T     (eq. 3, no centring)
 *   raw  = O v_1 = s_1 u_1           [N, h, w], v_1 the first right singular vector (eq. 4)
 *   map  = bilinear(relu(raw))       [N, H, W]
 * </pre>
 * Sign: a singular vector is defined up to its sign, so v_1 is chosen to make {@code sum(raw) > 0}
 * (on ties, the entry of raw largest in magnitude positive). After a ReLU every feature map is
 * non-negative and so is u_1 with this sign (Perron-Frobenius): the map is then the positive
 * projection and the ReLU changes nothing. {@code weights()} holds v_1 {@code [N, K]}.
 *
 * <p>The decomposition is the eigenvector of the smaller Gram matrix, {@code O O^T} (h*w square)
 * or {@code O^T O} (K square), by cyclic Jacobi rotations in double. Cost: one forward pass.
 */
public final class EigenCam implements Explainer<CamResult> {
    private final String layer;

    /** {@code layer}: a node name or alias, or null for the input of the last global pooling. */
    public EigenCam(String layer) {
        this.layer = layer;
    }

    @Override
    public CamResult explain(Graph graph, INDArray x, Target target) {
        NdArrays.require4d(x, "an input", "Eigen-CAM");
        Head head = Head.of(graph);
        String name = head.featureMapsAt(graph, layer, "Eigen-CAM");
        Map<String, INDArray> v = graph.run(Map.of(ActivationGradient.inputOf(graph), x), List.of(name, head.logits()));
        INDArray A = v.get(name);
        NdArrays.require4d(A, "the activation at '" + name + "'", "Eigen-CAM");
        Scores scores = target.seed(v.get(head.logits()), head).scores();
        int n = (int) A.size(0);
        int k = (int) A.size(1);
        int hw = (int) (A.size(2) * A.size(3));
        double[] a = Flat.read(A);
        double[] raw = new double[n * hw];
        double[] weights = new double[n * k];
        for (int row = 0; row < n; row++) {
            firstComponent(a, row * k * hw, k, hw, raw, row * hw, weights, row * k);
        }
        INDArray r = NdArrays.create(raw, new long[] {n, A.size(2), A.size(3)}, A.dataType());
        INDArray positive = Transforms.relu(r, true);
        INDArray map = Upsampling.bilinear(positive, (int) x.size(2), (int) x.size(3));
        NdArrays.close(positive, A, v.get(head.logits()));
        return new CamResult(map, r, NdArrays.create(weights, new long[] {n, k}, A.dataType()), name, scores);
    }

    /**
     * {@code O v_1} into {@code raw[rawAt..]} and {@code v_1} into {@code w[wAt..]}, for the K x hw
     * block of {@code a} at {@code at} (channel-major: {@code a[at + c*hw + p] = O[p][c]}).
     */
    static void firstComponent(double[] a, int at, int k, int hw, double[] raw, int rawAt, double[] w, int wAt) {
        boolean positions = hw <= k;
        int m = positions ? hw : k;
        double[][] G = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                if (positions) {
                    for (int c = 0; c < k; c++) {
                        s += a[at + c * hw + i] * a[at + c * hw + j];
                    }
                } else {
                    for (int p = 0; p < hw; p++) {
                        s += a[at + i * hw + p] * a[at + j * hw + p];
                    }
                }
                G[i][j] = s;
                G[j][i] = s;
            }
        }
        double[] e = topEigenvector(G);
        double[] proj = new double[hw];
        double[] v = new double[k];
        if (positions) {
            // e = u_1; v_1 = O^T u_1 / s_1 and O v_1 = s_1 u_1 = O O^T u_1 / s_1.
            for (int c = 0; c < k; c++) {
                for (int p = 0; p < hw; p++) {
                    v[c] += a[at + c * hw + p] * e[p];
                }
            }
            double s1 = Math.sqrt(dot(v, v));
            for (int c = 0; c < k; c++) {
                v[c] = s1 == 0 ? 0 : v[c] / s1;
            }
        } else {
            System.arraycopy(e, 0, v, 0, k);
        }
        for (int c = 0; c < k; c++) {
            for (int p = 0; p < hw; p++) {
                proj[p] += a[at + c * hw + p] * v[c];
            }
        }
        double sum = 0;
        int largest = 0;
        for (int p = 0; p < hw; p++) {
            sum += proj[p];
            largest = Math.abs(proj[p]) > Math.abs(proj[largest]) ? p : largest;
        }
        double sign = sum > 0 || (sum == 0 && proj[largest] >= 0) ? 1 : -1;
        for (int p = 0; p < hw; p++) {
            raw[rawAt + p] = sign * proj[p];
        }
        for (int c = 0; c < k; c++) {
            w[wAt + c] = sign * v[c];
        }
    }

    /**
     * The unit eigenvector of the largest eigenvalue of the symmetric {@code G}, by cyclic
     * Jacobi rotations (Golub and Van Loan, section 8.5): each rotation zeroes one off-diagonal
     * entry, and sweeps go on until the off-diagonal part is below 1e-15 of the matrix's norm.
     */
    static double[] topEigenvector(double[][] G) {
        int m = G.length;
        double[][] a = new double[m][];
        double[][] V = new double[m][m];
        double norm = 0;
        for (int i = 0; i < m; i++) {
            a[i] = G[i].clone();
            V[i][i] = 1;
            for (int j = 0; j < m; j++) {
                norm += G[i][j] * G[i][j];
            }
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int i = 0; i < m; i++) {
                for (int j = i + 1; j < m; j++) {
                    off += 2 * a[i][j] * a[i][j];
                }
            }
            if (off <= 1e-30 * norm || norm == 0) {
                break;
            }
            for (int p = 0; p < m; p++) {
                for (int q = p + 1; q < m; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int r = 0; r < m; r++) {
                        double arp = a[r][p];
                        double arq = a[r][q];
                        a[r][p] = c * arp - s * arq;
                        a[r][q] = s * arp + c * arq;
                    }
                    for (int r = 0; r < m; r++) {
                        double apr = a[p][r];
                        double aqr = a[q][r];
                        a[p][r] = c * apr - s * aqr;
                        a[q][r] = s * apr + c * aqr;
                    }
                    for (int r = 0; r < m; r++) {
                        double vrp = V[r][p];
                        double vrq = V[r][q];
                        V[r][p] = c * vrp - s * vrq;
                        V[r][q] = s * vrp + c * vrq;
                    }
                }
            }
        }
        int best = 0;
        for (int i = 1; i < m; i++) {
            best = a[i][i] > a[best][best] ? i : best;
        }
        double[] e = new double[m];
        for (int i = 0; i < m; i++) {
            e[i] = V[i][best];
        }
        return e;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
