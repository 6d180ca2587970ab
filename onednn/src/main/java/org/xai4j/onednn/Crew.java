package org.xai4j.onednn;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The threads that run a split plan's parts ({@link ChannelSplit}) beside the caller: one partner
 * per extra core, each running its parts on one OpenMP thread, handed each part by a spin-then-park
 * handshake instead of OpenMP's fork and join.
 *
 * <p>Why: xai4j runs OpenMP with {@code OMP_WAIT_POLICY=passive} (spinning made a pass 12x slower
 * on a shared host, root README "Threads"), so every primitive wakes a sleeping OpenMP thread with a
 * futex. MobileNetV2 at batch 1 has 54 primitives of tens of microseconds; on 2 cores its pass took
 * as long on two OpenMP threads as on one (5.34 against 5.32 ms). A partner that spins for
 * {@link #SPIN_NANOS} between parts is awake when the next part comes, and a partner that found no
 * part in that time parks: it costs the host little when no pass runs, or when another process
 * holds the other core.
 *
 * <p>One crew serves the whole process, one plan run at a time: a run that finds it held runs its
 * parts itself, one after another ({@link #tryHire}).
 */
final class Crew {
    /**
     * How long a partner spins for its next part before it parks, and the least a caller spins for
     * a partner's part: longer than the gap between two steps of a pass (a few microseconds), far
     * shorter than a scheduler's time slice.
     */
    static final long SPIN_NANOS = 50_000;

    /**
     * The longest the caller spins for a partner's part (it spins as long as its own part took):
     * a partner that lost its core to another process may need the caller's core, so a wait
     * longer than this parks.
     */
    static final long MAX_CALLER_SPIN_NANOS = 500_000;

    private static final NativeOps OPS = NativeOpsHolder.getInstance().getDeviceNativeOps();
    private static Crew shared;

    private final Partner[] partners;
    private final ReentrantLock hired = new ReentrantLock();

    private Crew(int threads) {
        partners = new Partner[threads - 1];
        for (int i = 0; i < partners.length; i++) {
            partners[i] = new Partner(i + 1);
        }
    }

    /** The process's crew for {@code threads} threads in all (the caller and threads - 1 partners). */
    static synchronized Crew of(int threads) {
        if (shared == null || shared.partners.length + 1 < threads) {
            shared = new Crew(threads); // a larger crew replaces a smaller one; the old one's partners park for good
        }
        return shared;
    }

    /** How many OpenMP threads a primitive created or run on this thread now uses. */
    static int openMpThreads() {
        return OPS.ompGetMaxThreads();
    }

    /**
     * Runs {@code body} on this thread with one OpenMP thread: primitives created in it get
     * single-threaded kernels (oneDNN reads the count when it creates them), and run inline.
     */
    static <T> T singleThreaded(Supplier<T> body) {
        return withOpenMpThreads(1, body);
    }

    /** Runs {@code body} on this thread with {@code threads} OpenMP threads, then restores the count. */
    static <T> T withOpenMpThreads(int threads, Supplier<T> body) {
        int before = OPS.ompGetMaxThreads();
        OPS.setOmpNumThreads(threads);
        try {
            return body.get();
        } finally {
            OPS.setOmpNumThreads(before);
        }
    }

    /** Takes the crew for one plan run; false when another run holds it. */
    boolean tryHire() {
        return hired.tryLock();
    }

    void release() {
        hired.unlock();
    }

    /**
     * Runs {@code parts[0]} on this thread and {@code parts[i]} on partner i, and returns when all
     * have finished; the first failure is rethrown. A part its partner has not taken by the time
     * this thread is done with its own runs here instead: a partner that is parked, or waiting for
     * a core another process holds, then costs the step nothing but its own share of the work.
     * Only between {@link #tryHire} and {@link #release}, on a thread {@link #singleThreaded} (as
     * the partners are).
     */
    void run(Runnable[] parts) {
        if (parts.length > partners.length + 1) {
            throw new IllegalArgumentException(parts.length + " parts for a crew of " + (partners.length + 1));
        }
        for (int i = 1; i < parts.length; i++) {
            partners[i - 1].post(parts[i]);
        }
        long start = System.nanoTime();
        Throwable failure = attempt(parts[0]);
        long own = System.nanoTime() - start;
        for (int i = 1; i < parts.length; i++) {
            Throwable t = partners[i - 1].finish(parts[i], own);
            if (failure == null) {
                failure = t;
            } else if (t != null) {
                failure.addSuppressed(t);
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** Runs {@code part}; what it threw, or null. */
    private static Throwable attempt(Runnable part) {
        try {
            part.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * One partner thread. The caller posts a part in {@code slot}; whoever takes it out of the slot
     * first (the partner, or the caller once its own part is done) runs it. The partner marks the
     * parts it ran by their number in {@code finished}.
     */
    private static final class Partner implements Runnable {
        private final Thread thread;
        private final AtomicReference<Runnable> slot = new AtomicReference<>();
        /** The number of the part posted last (written by the caller before the slot). */
        private volatile long posted;
        /** The number of the part this partner ran last. */
        private volatile long finished;
        private volatile Throwable failure;
        /** The caller, while it is parked waiting for this partner's part. */
        private volatile Thread waiter;

        Partner(int index) {
            thread = new Thread(this, "xai4j-onednn-partner-" + index);
            thread.setDaemon(true);
            thread.start();
        }

        void post(Runnable part) {
            failure = null;
            posted = posted + 1;
            slot.set(part);
            LockSupport.unpark(thread);
        }

        /**
         * Runs {@code part} here if the partner has not taken it, else waits for it; its failure,
         * or null. The wait spins for as long as the caller's own part took ({@code own}), at
         * least {@link #SPIN_NANOS} and at most {@link #MAX_CALLER_SPIN_NANOS}, then parks: a
         * partner that took its part as the caller began its own is done by then unless it lost
         * its core, and a parked caller wakes late (about 50 µs on a 2-vCPU VM). ResNet-50's
         * parts, about 400 µs, waited 1.55 ms a pass with 50 µs of spinning and 1.26-1.29 with
         * this bound.
         */
        Throwable finish(Runnable part, long own) {
            if (slot.compareAndSet(part, null)) {
                return attempt(part);
            }
            long number = posted;
            long start = System.nanoTime();
            long spin = Math.min(Math.max(SPIN_NANOS, own), MAX_CALLER_SPIN_NANOS);
            while (finished != number) {
                if (System.nanoTime() - start < spin) {
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (finished != number) {
                        LockSupport.park(this);
                    }
                    waiter = null;
                }
            }
            return failure;
        }

        @Override
        public void run() {
            OPS.setOmpNumThreads(1);
            while (true) {
                Runnable part = next();
                if (!slot.compareAndSet(part, null)) {
                    continue; // the caller took it
                }
                long number = posted;
                failure = attempt(part);
                finished = number;
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }

        /** The part in the slot, spinning for {@link #SPIN_NANOS}, then parked until one is posted. */
        private Runnable next() {
            long start = System.nanoTime();
            Runnable part;
            while ((part = slot.get()) == null) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                    start = System.nanoTime();
                }
            }
            return part;
        }
    }
}
