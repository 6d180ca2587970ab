package org.xai4j.engine;

import java.util.concurrent.Semaphore;

/**
 * How many passes (a {@link Tape} from its forward to its close, or one {@link Graph#run}) run in
 * this process at once: the machine's cores by default, {@code -Dxai4j.passes.concurrent=N}
 * otherwise. A thread past the limit waits at the start of its pass.
 *
 * <p>Why: every op of a pass already uses all cores (ND4J's and oneDNN's OpenMP teams), so more
 * passes at once than cores add no throughput, only memory: each live pass holds its activations,
 * and sixteen request threads explaining MobileNetV2 at once held sixteen working sets. With the
 * limit, resident memory is bounded by the limit's worth of passes (and the plans, see
 * {@link Acceleration}), whatever the number of threads. A thread already in a pass (a tape open
 * while it runs another) never waits for itself; close a tape on the thread that opened it.
 */
final class Passes {
    static final int AT_ONCE = Math.max(1, Integer.getInteger("xai4j.passes.concurrent", Runtime.getRuntime().availableProcessors()));
    private static final Semaphore PERMITS = new Semaphore(AT_ONCE, true);
    private static final ThreadLocal<int[]> HELD = ThreadLocal.withInitial(() -> new int[1]);

    private Passes() {}

    static void begin() {
        int[] held = HELD.get();
        if (held[0]++ == 0) {
            PERMITS.acquireUninterruptibly();
        }
    }

    static void end() {
        int[] held = HELD.get();
        if (held[0] > 0 && --held[0] == 0) {
            PERMITS.release();
        }
    }
}
