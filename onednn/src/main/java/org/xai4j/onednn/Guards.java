package org.xai4j.onednn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The guarded mode of the plans ({@code -Dxai4j.onednn.guard=true}): every native buffer of a
 * plan sits between two canary areas filled with a known byte, and after every primitive the
 * plan executes, every canary of the plan is compared with that byte. A primitive that wrote
 * outside its buffers fails at once with its name and the bytes it overwrote, instead of
 * corrupting the next buffer on the heap and crashing somewhere else later.
 *
 * <p>Why: oneDNN 2.5.2's AVX-512 binary kernel with an eltwise post-op on nChw8c tensors with an
 * odd number of 8-channel blocks writes up to a third of its destination's size past the end
 * ({@code ../shared/diagnostics/onednn_binary_overrun.c}; plans now write nChw16c at AVX-512,
 * {@link ActivationLayout}). Such bugs depend on the host's ISA, the layout and heap layout, so
 * tests stay green where they hide; the plan fuzz runs in this mode at both ISA families, and so
 * at both channel blocks. It costs a full canary comparison per primitive: for tests, not for
 * production.
 */
final class Guards {
    static final String PROPERTY = "xai4j.onednn.guard";
    private static final byte CANARY = (byte) 0xA5;
    /**
     * Each canary is as large as its buffer, between 4 KiB and 1 MiB: the overrun above reached
     * a third of the destination's size, and a canary that absorbs the whole overrun keeps the
     * process alive to report it.
     */
    private static final long MIN = 4096;
    private static final long MAX = 1 << 20;

    private final List<OneDnnPlan.Buffer> buffers = new ArrayList<>();
    private BytePointer pattern = new BytePointer(0L);

    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** The canary size before and after a buffer of {@code bytes}, a multiple of 64. */
    static long canaryBytes(long bytes) {
        return (Math.min(Math.max(bytes, MIN), MAX) + 63) & ~63L;
    }

    /** Fills the canaries of a buffer just allocated and watches them from now on. */
    void watch(OneDnnPlan.Buffer b) {
        Pointer.memset(new Dnnl.Address(b.address - b.canary), CANARY, b.canary);
        Pointer.memset(new Dnnl.Address(b.address + b.bytes), CANARY, b.canary);
        if (pattern.capacity() < b.canary) {
            pattern.close();
            pattern = new BytePointer(b.canary);
            Pointer.memset(pattern, CANARY, b.canary);
        }
        buffers.add(b);
    }

    /** Throws when a canary changed since {@link #watch}, naming {@code what} ran last. */
    void check(String what) {
        for (OneDnnPlan.Buffer b : buffers) {
            long before = b.address - b.canary;
            long after = b.address + b.bytes;
            boolean under = Pointer.memcmp(new Dnnl.Address(before), pattern, b.canary) != 0;
            boolean over = Pointer.memcmp(new Dnnl.Address(after), pattern, b.canary) != 0;
            if (under || over) {
                throw new IllegalStateException("oneDNN wrote outside a plan buffer in " + what + ": a buffer of "
                        + b.bytes + " bytes has " + (over ? changed(after, b.canary, true) + " past its end" : "")
                        + (under && over ? " and " : "") + (under ? changed(before, b.canary, false) + " before its start" : "")
                        + " (guarded mode, -D" + PROPERTY + "=true)");
            }
        }
    }

    /**
     * Runs {@code part}, a part of a split step ({@link ChannelSplit}), and throws when it changed
     * any byte of {@code b} outside {@code [from, to)}, the channels, rows or images it owns: those belong to the
     * step's other parts, which a split plan runs at the same time.
     */
    void confined(OneDnnPlan.Buffer b, long from, long to, Runnable part, String what) {
        try (BytePointer before = new BytePointer(b.bytes)) {
            Pointer.memcpy(before, new Dnnl.Address(b.address), b.bytes);
            part.run();
            boolean headSame = from == 0 || Pointer.memcmp(before, new Dnnl.Address(b.address), from) == 0;
            boolean tailSame = to >= b.bytes || Pointer.memcmp(before.getPointer(to), new Dnnl.Address(b.address + to), b.bytes - to) == 0;
            if (headSame && tailSame) {
                return;
            }
            ByteBuffer was = before.asByteBuffer();
            ByteBuffer now = new BytePointer(new Dnnl.Address(b.address)).capacity(b.bytes).asByteBuffer();
            long count = 0;
            long first = -1;
            for (long i = 0; i < b.bytes; i++) {
                if ((i < from || i >= to) && was.get((int) i) != now.get((int) i)) {
                    count++;
                    first = first < 0 ? i : first;
                }
            }
            if (count > 0) {
                throw new IllegalStateException("oneDNN wrote outside its part in " + what + ": it owns bytes [" + from + ", "
                        + to + ") of a buffer of " + b.bytes + " and changed " + count + " bytes outside them, the first at " + first
                        + " (guarded mode, -D" + PROPERTY + "=true)");
            }
        }
    }

    /** "N bytes overwritten (up to +D)": how many canary bytes differ and the farthest one. */
    private static String changed(long address, long length, boolean after) {
        ByteBuffer bytes = new BytePointer(new Dnnl.Address(address)).capacity(length).asByteBuffer();
        long count = 0;
        long farthest = 0;
        for (int i = 0; i < length; i++) {
            if (bytes.get(i) != CANARY) {
                count++;
                farthest = after ? i + 1 : Math.max(farthest, length - i);
            }
        }
        return count + " bytes overwritten (up to " + (after ? "+" : "-") + farthest + ")";
    }

    void close() {
        buffers.clear();
        pattern.close();
    }
}
