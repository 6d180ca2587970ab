package org.xai4j.importers.keras;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * TensorFlow's channels-last operators written straight from their definitions, in double, with
 * plain loops: the slow reference the importer's NCHW graph is checked against. Images are
 * [N, H, W, C], kernels HWIO as Keras stores them.
 */
final class NhwcReference {
    private NhwcReference() {}

    /** TensorFlow "same" padding: total = max((out - 1) * s + (k - 1) * d + 1 - in, 0), begin = total / 2. */
    private static int padBegin(long in, int k, int s, int d, boolean same) {
        if (!same) {
            return 0;
        }
        long out = (in + s - 1) / s;
        long total = Math.max((out - 1) * s + (long) (k - 1) * d + 1 - in, 0);
        return (int) (total / 2);
    }

    private static long outSize(long in, int k, int s, int d, boolean same) {
        return same ? (in + s - 1) / s : (in - ((long) (k - 1) * d + 1)) / s + 1;
    }

    /** Grouped convolution; kernel [R, S, C/groups, K], bias [K] or null. */
    static INDArray conv(INDArray x, INDArray kernel, INDArray bias, int s, int d, boolean same, int groups) {
        long n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
        int r = (int) kernel.size(0), sw = (int) kernel.size(1);
        long cg = kernel.size(2), k = kernel.size(3), kg = k / groups;
        long oh = outSize(h, r, s, d, same), ow = outSize(w, sw, s, d, same);
        int pt = padBegin(h, r, s, d, same), pl = padBegin(w, sw, s, d, same);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, oh, ow, k);
        for (long b = 0; b < n; b++) {
            for (long i = 0; i < oh; i++) {
                for (long j = 0; j < ow; j++) {
                    for (long o = 0; o < k; o++) {
                        long g = o / kg;
                        double acc = bias == null ? 0 : bias.getDouble(o);
                        for (int u = 0; u < r; u++) {
                            for (int v = 0; v < sw; v++) {
                                long yi = i * s + (long) u * d - pt, xj = j * s + (long) v * d - pl;
                                if (yi < 0 || yi >= h || xj < 0 || xj >= w) {
                                    continue;
                                }
                                for (long q = 0; q < cg; q++) {
                                    acc += x.getDouble(b, yi, xj, g * cg + q) * kernel.getDouble(u, v, q, o);
                                }
                            }
                        }
                        y.putScalar(new long[] {b, i, j, o}, acc);
                    }
                }
            }
        }
        return y;
    }

    /** Depthwise convolution, kernel [R, S, C, M]: output channel c*M + m. */
    static INDArray depthwise(INDArray x, INDArray kernel, INDArray bias, int s, int d, boolean same) {
        long c = kernel.size(2), m = kernel.size(3);
        INDArray asGroups = kernel.dup('c').reshape('c', kernel.size(0), kernel.size(1), 1, c * m);
        return conv(x, asGroups, bias, s, d, same, (int) c);
    }

    static INDArray zeroPad(INDArray x, int top, int bottom, int left, int right) {
        long n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, h + top + bottom, w + left + right, c);
        for (long b = 0; b < n; b++) {
            for (long i = 0; i < h; i++) {
                for (long j = 0; j < w; j++) {
                    for (long q = 0; q < c; q++) {
                        y.putScalar(new long[] {b, i + top, j + left, q}, x.getDouble(b, i, j, q));
                    }
                }
            }
        }
        return y;
    }

    /** Max or average pooling; TensorFlow's average divides by the real pixels in the window. */
    static INDArray pool(INDArray x, int k, int s, boolean same, boolean average) {
        long n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
        long oh = outSize(h, k, s, 1, same), ow = outSize(w, k, s, 1, same);
        int pt = padBegin(h, k, s, 1, same), pl = padBegin(w, k, s, 1, same);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, oh, ow, c);
        for (long b = 0; b < n; b++) {
            for (long i = 0; i < oh; i++) {
                for (long j = 0; j < ow; j++) {
                    for (long q = 0; q < c; q++) {
                        double acc = average ? 0 : Double.NEGATIVE_INFINITY;
                        int count = 0;
                        for (int u = 0; u < k; u++) {
                            for (int v = 0; v < k; v++) {
                                long yi = i * s + u - pt, xj = j * s + v - pl;
                                if (yi < 0 || yi >= h || xj < 0 || xj >= w) {
                                    continue;
                                }
                                double val = x.getDouble(b, yi, xj, q);
                                acc = average ? acc + val : Math.max(acc, val);
                                count++;
                            }
                        }
                        y.putScalar(new long[] {b, i, j, q}, average ? acc / count : acc);
                    }
                }
            }
        }
        return y;
    }

    static INDArray batchNorm(INDArray x, INDArray gamma, INDArray beta, INDArray mean, INDArray var, double eps) {
        INDArray y = x.dup();
        long c = x.size(x.rank() - 1);
        for (long i = 0; i < x.length(); i++) {
            long q = i % c;
            double v = (x.getDouble(i) - mean.getDouble(q)) / Math.sqrt(var.getDouble(q) + eps);
            y.putScalar(i, gamma.getDouble(q) * v + beta.getDouble(q));
        }
        return y;
    }

    /** Keras Flatten: (h, w, c) order. */
    static INDArray flatten(INDArray x) {
        return x.dup('c').reshape('c', x.size(0), x.length() / x.size(0));
    }

    static INDArray dense(INDArray x, INDArray kernel, INDArray bias) {
        INDArray y = x.castTo(DataType.DOUBLE).mmul(kernel.castTo(DataType.DOUBLE));
        return bias == null ? y : y.addRowVector(bias.castTo(DataType.DOUBLE));
    }

    static INDArray concatChannels(INDArray a, INDArray b) {
        return Nd4j.concat(3, a, b);
    }

    /** Keras ReLU(max_value, negative_slope, threshold = 0). */
    static INDArray relu(INDArray x, double max, double slope) {
        INDArray y = x.dup();
        for (long i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            y.putScalar(i, v >= max ? max : v >= 0 ? v : slope * v);
        }
        return y;
    }

    static INDArray softmaxRows(INDArray x) {
        INDArray y = x.dup();
        for (long b = 0; b < x.size(0); b++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (long j = 0; j < x.size(1); j++) {
                max = Math.max(max, x.getDouble(b, j));
            }
            for (long j = 0; j < x.size(1); j++) {
                sum += Math.exp(x.getDouble(b, j) - max);
            }
            for (long j = 0; j < x.size(1); j++) {
                y.putScalar(new long[] {b, j}, Math.exp(x.getDouble(b, j) - max) / sum);
            }
        }
        return y;
    }

    /** NHWC -> NCHW, to compare with a graph value. */
    static INDArray toNchw(INDArray nhwc) {
        return nhwc.permute(0, 3, 1, 2).dup('c');
    }
}
