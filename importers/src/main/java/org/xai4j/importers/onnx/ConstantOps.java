package org.xai4j.importers.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Operations on constant tensors, evaluated at import: the shape arithmetic of exported graphs
 * and any other node whose inputs are all known. Constants are float32 or int64 arrays in C
 * order; each operation here is a map from output positions to input positions, written in
 * plain Java so integer shapes stay exact (float arithmetic would round int64 values).
 */
final class ConstantOps {
    private ConstantOps() {}

    static long[] longs(INDArray a) {
        if (a.length() == 0) {
            return new long[0];
        }
        return a.dup('c').data().asLong();
    }

    static float[] floats(INDArray a) {
        if (a.length() == 0) {
            return new float[0];
        }
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A new array of {@code shape} whose element {@code i} is {@code src}'s element {@code from(i)} (flat, C order). */
    static INDArray remap(INDArray src, long[] shape, LongUnaryOperator from) {
        int n = Math.toIntExact(count(shape));
        if (src.dataType() == DataType.LONG) {
            long[] s = longs(src);
            long[] y = new long[n];
            for (int i = 0; i < n; i++) {
                y[i] = s[(int) from.applyAsLong(i)];
            }
            return OnnxTensors.longs(y, shape);
        }
        float[] s = floats(src);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = s[(int) from.applyAsLong(i)];
        }
        return OnnxTensors.floats(y, shape);
    }

    static long[] strides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = s;
            s *= shape[d];
        }
        return st;
    }

    /** NumPy broadcasting of two shapes (ONNX's multidirectional broadcasting). */
    static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] y = new long[r];
        for (int d = 0; d < r; d++) {
            long da = d - (r - a.length) >= 0 ? a[d - (r - a.length)] : 1;
            long db = d - (r - b.length) >= 0 ? b[d - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            y[d] = da == 1 ? db : da;
        }
        return y;
    }

    /** Maps a flat index of the broadcast output to the flat index of an input of shape {@code in}. */
    static LongUnaryOperator broadcastIndex(long[] in, long[] out) {
        long[] outStrides = strides(out);
        long[] inStrides = strides(in);
        int offset = out.length - in.length;
        return i -> {
            long j = 0;
            for (int d = 0; d < in.length; d++) {
                long coordinate = (i / outStrides[d + offset]) % out[d + offset];
                j += in[d] == 1 ? 0 : coordinate * inStrides[d];
            }
            return j;
        };
    }

    /** Add, Sub, Mul or Div with broadcasting; integer division truncates as in C. */
    static INDArray arithmetic(String op, INDArray a, INDArray b) {
        long[] shape = broadcast(a.shape(), b.shape());
        int n = Math.toIntExact(count(shape));
        LongUnaryOperator ia = broadcastIndex(a.shape(), shape);
        LongUnaryOperator ib = broadcastIndex(b.shape(), shape);
        if (a.dataType() == DataType.LONG && b.dataType() == DataType.LONG) {
            long[] x = longs(a);
            long[] z = longs(b);
            for (long v : x) {
                requireStatic(v);
            }
            for (long v : z) {
                requireStatic(v);
            }
            long[] y = new long[n];
            for (int i = 0; i < n; i++) {
                long p = x[(int) ia.applyAsLong(i)];
                long q = z[(int) ib.applyAsLong(i)];
                y[i] = switch (op) {
                    case "Add" -> p + q;
                    case "Sub" -> p - q;
                    case "Mul" -> p * q;
                    case "Div" -> p / q;
                    default -> throw new IllegalArgumentException(op);
                };
            }
            return OnnxTensors.longs(y, shape);
        }
        float[] x = floats(a);
        float[] z = floats(b);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float p = x[(int) ia.applyAsLong(i)];
            float q = z[(int) ib.applyAsLong(i)];
            y[i] = switch (op) {
                case "Add" -> p + q;
                case "Sub" -> p - q;
                case "Mul" -> p * q;
                case "Div" -> p / q;
                default -> throw new IllegalArgumentException(op);
            };
        }
        return OnnxTensors.floats(y, shape);
    }

    private static void requireStatic(long v) {
        if (v == Conversion.DYNAMIC) {
            throw new IllegalArgumentException("arithmetic on the dynamic batch size is not supported; export with a fixed batch size");
        }
    }

    /** ONNX Gather: out = data[..., indices, ...] along {@code axis}; negative indices count from the end. */
    static INDArray gather(INDArray data, INDArray indices, int axis) {
        long[] ds = data.shape();
        long[] idx = longs(indices);
        long size = ds[axis];
        for (int k = 0; k < idx.length; k++) {
            if (idx[k] < -size || idx[k] >= size) {
                throw new IllegalArgumentException("Gather index " + idx[k] + " is out of range for size " + size);
            }
            idx[k] = idx[k] < 0 ? idx[k] + size : idx[k];
        }
        long[] shape = concat(Arrays.copyOfRange(ds, 0, axis), indices.shape(), Arrays.copyOfRange(ds, axis + 1, ds.length));
        long inner = count(Arrays.copyOfRange(ds, axis + 1, ds.length));
        long perOuter = idx.length * inner;
        return remap(data, shape, i -> {
            long outer = i / perOuter;
            long j = (i % perOuter) / inner;
            return (outer * size + idx[(int) j]) * inner + i % inner;
        });
    }

    /** ONNX Slice with the spec's clamping of starts and ends (INT64_MAX means "to the end"). */
    static INDArray slice(INDArray data, long[] starts, long[] ends, long[] axes, long[] steps) {
        long[] ds = data.shape();
        int r = ds.length;
        long[] begin = new long[r];
        long[] step = new long[r];
        long[] shape = ds.clone();
        Arrays.fill(step, 1);
        for (int k = 0; k < starts.length; k++) {
            int a = (int) (axes[k] < 0 ? axes[k] + r : axes[k]);
            long d = ds[a];
            long st = steps[k];
            if (st == 0) {
                throw new IllegalArgumentException("Slice step 0");
            }
            long s = starts[k] < 0 ? starts[k] + d : starts[k];
            long e = ends[k] < 0 ? ends[k] + d : ends[k];
            if (st > 0) {
                s = clamp(s, 0, d);
                e = clamp(e, 0, d);
            } else {
                s = clamp(s, 0, d - 1);
                e = clamp(e, -1, d - 1);
            }
            begin[a] = s;
            step[a] = st;
            shape[a] = st > 0 ? Math.max(0, (e - s + st - 1) / st) : Math.max(0, (s - e - st - 1) / -st);
        }
        long[] outStrides = strides(shape);
        long[] inStrides = strides(ds);
        return remap(data, shape, i -> {
            long j = 0;
            for (int d = 0; d < r; d++) {
                long c = (i / outStrides[d]) % shape[d];
                j += (begin[d] + c * step[d]) * inStrides[d];
            }
            return j;
        });
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** ONNX Concat along {@code axis} (non-negative) of constants of one type. */
    static INDArray concat(List<INDArray> parts, int axis) {
        long[] shape = parts.get(0).shape().clone();
        shape[axis] = 0;
        for (INDArray p : parts) {
            shape[axis] += p.shape()[axis];
        }
        boolean isLong = parts.stream().allMatch(p -> p.dataType() == DataType.LONG);
        long outer = count(Arrays.copyOfRange(shape, 0, axis));
        long inner = count(Arrays.copyOfRange(shape, axis + 1, shape.length));
        int n = Math.toIntExact(count(shape));
        long[] ly = new long[isLong ? n : 0];
        float[] fy = new float[isLong ? 0 : n];
        long at = 0;
        for (INDArray p : parts) {
            long block = p.shape()[axis] * inner;
            long[] lp = isLong ? longs(p) : null;
            float[] fp = isLong ? null : floats(p);
            for (long o = 0; o < outer; o++) {
                for (long k = 0; k < block; k++) {
                    int dst = (int) (o * shape[axis] * inner + at + k);
                    int src = (int) (o * block + k);
                    if (isLong) {
                        ly[dst] = lp[src];
                    } else {
                        fy[dst] = fp[src];
                    }
                }
            }
            at += block;
        }
        return isLong ? OnnxTensors.longs(ly, shape) : OnnxTensors.floats(fy, shape);
    }

    /** The output shape of ONNX Reshape: 0 copies the input dimension, one -1 is inferred. */
    static long[] reshapeTarget(long[] in, long[] target) {
        long[] shape = target.clone();
        int inferred = -1;
        long known = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                if (d >= in.length) {
                    throw new IllegalArgumentException("Reshape copies dimension " + d + " of a rank-" + in.length + " input");
                }
                shape[d] = in[d];
            }
            if (shape[d] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("Reshape target " + Arrays.toString(target) + " has two -1");
                }
                inferred = d;
            } else if (shape[d] < 0) {
                throw new IllegalArgumentException("Reshape target " + Arrays.toString(target) + " has a negative size");
            } else {
                known *= shape[d];
            }
        }
        long total = count(in);
        if (inferred >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
            }
            shape[inferred] = total / known;
        } else if (known != total) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
        }
        return shape;
    }

    static INDArray reshape(INDArray data, long[] shape) {
        return remap(data, shape, i -> i);
    }

    /**
     * ONNX Cast between the two kinds the importer keeps: to float or double (data types 1, 11)
     * and to int32 or int64 (6, 7). Narrower types would wrap or round values, which float32 and
     * int64 arrays cannot reproduce, so they are refused.
     */
    static INDArray cast(INDArray a, int to) {
        boolean toFloat = to == 1 || to == 11;
        boolean toInt = to == 6 || to == 7;
        if (!toFloat && !toInt) {
            throw new IllegalArgumentException("Cast to data type " + to + " is not supported (float, double, int32, int64 are)");
        }
        if (toFloat) {
            if (a.dataType() == DataType.LONG) {
                for (long v : longs(a)) {
                    requireStatic(v);
                }
            }
            return a.dataType() == DataType.FLOAT ? a : OnnxTensors.floats(floats(a), a.shape());
        }
        if (a.dataType() == DataType.LONG) {
            return a;
        }
        float[] f = floats(a);
        long[] y = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            y[i] = (long) f[i];
        }
        return OnnxTensors.longs(y, a.shape());
    }

    static long[] concat(long[]... parts) {
        List<Long> all = new ArrayList<>();
        for (long[] p : parts) {
            for (long v : p) {
                all.add(v);
            }
        }
        return all.stream().mapToLong(Long::longValue).toArray();
    }
}
