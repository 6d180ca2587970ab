package org.xai4j.engine;

import java.util.HashMap;
import java.util.Map;
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
 * while it runs another) never waits for itself. A pass belongs to the thread that began it,
 * whichever thread ends it (a tape may be closed elsewhere).
 */
final class Passes {
    static final int AT_ONCE = Math.max(1, Integer.getInteger("xai4j.passes.concurrent", Runtime.getRuntime().availableProcessors()));
    private static final Semaphore PERMITS = new Semaphore(AT_ONCE, true);
    /** Passes each thread has begun and not ended; a thread holds one permit while it has any. */
    private static final Map<Thread, Integer> HELD = new HashMap<>();

    private Passes() {}

    /** Begins a pass of the current thread, waiting for a permit if it holds none; returns the owner to end it with. */
    static Thread begin() {
        Thread me = Thread.currentThread();
        boolean first;
        synchronized (HELD) {
            first = !HELD.containsKey(me);
            HELD.merge(me, 1, Integer::sum);
        }
        if (first) {
            PERMITS.acquireUninterruptibly();
        }
        return me;
    }

    /** Ends a pass that {@code owner} began. */
    static void end(Thread owner) {
        boolean last;
        synchronized (HELD) {
            Integer n = HELD.get(owner);
            if (n == null) {
                return;
            }
            last = n == 1;
            if (last) {
                HELD.remove(owner);
            } else {
                HELD.put(owner, n - 1);
            }
        }
        if (last) {
            PERMITS.release();
        }
    }
}
