package org.xai4j.explain;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The copies of {@link ReceptiveFieldOcclusion}: a square's crop of a value as the square changed
 * it, and the clean map with a square's box pasted. Values live in Java arrays, {@code float[]}
 * for float32 inputs and {@code double[]} for float64 ones, so that a copy is a
 * {@code System.arraycopy}; each batch goes to and from the native arrays the graphs read in one
 * bulk copy ({@link #write}, {@link #read}).
 */
final class Crops {
    private Crops() {}

    /** Where square {@code k}'s box of a value sits in a batch of boxes. */
    record Box(Object data, int offset) {}

    /**
     * A value's clean map {@code C x h x w} with {@code top}, {@code left}, {@code bottom} and
     * {@code right} margins of {@code pad} (the padding value of the op that reads it), so that
     * every crop row is one copy: {@code C x H x W} with {@code H = top + h + bottom}.
     */
    record Padded(Object data, int top, int left, int H, int W) {
        static Padded of(ReceptiveField.Value u, Object clean, int top, int left, int bottom, int right, double pad) {
            int H = top + u.h() + bottom;
            int W = left + u.w() + right;
            Object data = newInstance(clean, Math.multiplyExact(u.C(), Math.multiplyExact(H, W)));
            fill(data, 0, u.C() * H * W, pad);
            for (int c = 0; c < u.C(); c++) {
                for (int r = 0; r < u.h(); r++) {
                    System.arraycopy(clean, (c * u.h() + r) * u.w(), data, (c * H + top + r) * W + left, u.w());
                }
            }
            return new Padded(data, top, left, H, W);
        }
    }

    /**
     * Rows {@code r0 .. r0 + ch - 1} and columns {@code c0 .. c0 + cw - 1} of value {@code u} as
     * square {@code k} changed it, into {@code out[offset ..]}: the padded clean map, then square
     * {@code k}'s box of {@code u} over it where they meet (box null: the clean map alone).
     */
    static void crop(ReceptiveField.Value u, Padded map, Box box, int k, int r0, int c0, int ch, int cw, Object out, int offset) {
        for (int c = 0; c < u.C(); c++) {
            for (int i = 0; i < ch; i++) {
                System.arraycopy(map.data(), (c * map.H() + map.top() + r0 + i) * map.W() + map.left() + c0, out,
                        offset + (c * ch + i) * cw, cw);
            }
        }
        if (box == null) {
            return;
        }
        int bt = u.top()[k];
        int bl = u.left()[k];
        int rLo = Math.max(bt, r0);
        int rHi = Math.min(bt + u.bh(), r0 + ch);
        int cLo = Math.max(bl, c0);
        int cHi = Math.min(bl + u.bw(), c0 + cw);
        if (rHi <= rLo || cHi <= cLo) {
            return;
        }
        for (int c = 0; c < u.C(); c++) {
            for (int r = rLo; r < rHi; r++) {
                System.arraycopy(box.data(), box.offset() + (c * u.bh() + r - bt) * u.bw() + cLo - bl, out,
                        offset + (c * ch + r - r0) * cw + cLo - c0, cHi - cLo);
            }
        }
    }

    /**
     * Square {@code k}'s box of {@code v} (at {@code box}) pasted into the map at {@code out[offset ..]},
     * which holds the clean map but where square {@code before}'s box was pasted (-1: nowhere): that
     * box is restored from {@code clean} first, so a batch row is rewritten only where boxes are.
     */
    static void paste(ReceptiveField.Value v, Object clean, int before, Box box, int k, Object out, int offset) {
        if (before >= 0) {
            copyBox(v, clean, 0, v.top()[before], v.left()[before], v.w(), v.h() * v.w(), out, offset, v.top()[before],
                    v.left()[before]);
        }
        copyBox(v, box.data(), box.offset(), 0, 0, v.bw(), v.bh() * v.bw(), out, offset, v.top()[k], v.left()[k]);
    }

    /** A {@code C x bh x bw} block from rows {@code t ..}, columns {@code l ..} of {@code from} to rows {@code ot ..}, columns {@code ol ..} of a map. */
    private static void copyBox(ReceptiveField.Value v, Object from, int at, int t, int l, int fromW, int fromPlane, Object out,
                                int offset, int ot, int ol) {
        for (int c = 0; c < v.C(); c++) {
            for (int i = 0; i < v.bh(); i++) {
                System.arraycopy(from, at + c * fromPlane + (t + i) * fromW + l, out, offset + (c * v.h() + ot + i) * v.w() + ol, v.bw());
            }
        }
    }

    /** The values of {@code a} in C order: {@code double[]} for float64, {@code float[]} otherwise (a copy). */
    static Object values(INDArray a) {
        INDArray d = dense(a);
        return a.dataType() == DataType.DOUBLE ? d.data().asDouble() : d.castTo(DataType.FLOAT).data().asFloat();
    }

    /** A Java array of {@code n} values of the kind {@code like} is. */
    static Object newInstance(Object like, int n) {
        return like instanceof double[] ? new double[n] : new float[n];
    }

    /** The type of native arrays that holds such values. */
    static DataType typeOf(Object values) {
        return values instanceof double[] ? DataType.DOUBLE : DataType.FLOAT;
    }

    /** Copies {@code values} into {@code a}, a c-order array of as many values that this class allocated. */
    static void write(Object values, INDArray a) {
        if (values instanceof double[] d) {
            a.data().asNioDouble().put(0, d);
        } else {
            a.data().asNioFloat().put(0, (float[]) values);
        }
    }

    /** Copies the values of {@code a} (any layout; float32 or float64, as {@code values}) into {@code values}. */
    static void read(INDArray a, Object values) {
        INDArray d = dense(a);
        if (values instanceof double[] v) {
            (d.dataType() == DataType.DOUBLE ? d : d.castTo(DataType.DOUBLE)).data().asNioDouble().get(0, v);
        } else {
            (d.dataType() == DataType.FLOAT ? d : d.castTo(DataType.FLOAT)).data().asNioFloat().get(0, (float[]) values);
        }
    }

    /** A native c-order array for values of {@code like}'s kind. */
    static INDArray array(Object like, long... shape) {
        return Nd4j.createUninitialized(typeOf(like), shape);
    }

    private static INDArray dense(INDArray a) {
        return a.ordering() == 'c' && a.offset() == 0 && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
    }

    static void fill(Object a, int from, int to, double v) {
        if (to <= from) {
            return;
        }
        if (a instanceof double[] d) {
            java.util.Arrays.fill(d, from, to, v);
        } else {
            java.util.Arrays.fill((float[]) a, from, to, (float) v);
        }
    }
}
