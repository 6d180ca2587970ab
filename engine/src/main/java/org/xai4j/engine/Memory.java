package org.xai4j.engine;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Off-heap buffers for activations and gradients, reused from one pass to the next.
 *
 * <p>A network allocates the same sizes on every pass. Freshly allocated, each buffer costs a
 * malloc and a page fault per 4 KiB touched (a 1x1 convolution of ResNet-50 ran 3.3 ms into a
 * fresh output, 2.3 ms into a reused one), and glibc keeps freed large blocks resident, so
 * allocate-and-free grew resident memory by about 19 MB per ResNet-18 pass. So the engine hands
 * the buffers it frees ({@link Buffers}) back here, and layers take their outputs from here:
 * after the first pass every activation lands in memory that is already mapped, and resident
 * memory stays at the working set of one pass.
 *
 * <p>One pool serves every thread (a lock around a map lookup, microseconds against a pass's
 * milliseconds): with per-thread pools, sixteen request threads each kept the buffers of their
 * last pass, and resident memory grew with the number of threads instead of with the passes that
 * run at once ({@link Passes}). A buffer idle for {@link #IDLE_PASSES} passes is freed, so a
 * change of batch size or model does not keep the old sizes forever.
 *
 * <p>What the pool cannot reach is the native memory ND4J ties to short-lived Java objects: every
 * op call leaves an op context, argument pointers and view descriptors that are freed only when
 * the GC collects their Java owners (measured without a GC: about 20 KB per conv2d call, 3 KB per
 * deconv2d, 0.5-1 KB per matmul or view). The Java heap sees only the small Java objects, so with
 * a roomy heap a collection can be thousands of passes away and resident memory climbs meanwhile
 * (about 0.7 MB per ResNet-18 pass). Whether to ask the JVM for a collection then is the
 * application's policy, not the engine's: with {@link #setCollectionInterval} (or the system
 * property {@code xai4j.gc.interval.seconds}) set, a pass that ends once that interval has gone by
 * since the last collection asks for one ({@code System.gc()}: tens of milliseconds on a small
 * heap, under 1% of 10 s). The command line chooses 10 s; a service that collects often anyway, or
 * has a heap too large for full collections, chooses none (the default), and the JVM's
 * {@code -XX:+DisableExplicitGC} overrides either.
 */
public final class Memory {
    /** Passes (of any thread) a pooled buffer may sit unused before it is freed: two per pass running at once. */
    static final int IDLE_PASSES = 2 * Passes.AT_ONCE;

    private static final Pool POOL = new Pool();

    /** The system property that sets {@link #collectionInterval()} in seconds. */
    static final String INTERVAL_PROPERTY = "xai4j.gc.interval.seconds";

    private static volatile long collectionIntervalNanos =
            Duration.ofSeconds(Long.getLong(INTERVAL_PROPERTY, 0)).toNanos();
    private static final AtomicLong LAST_COLLECTION = new AtomicLong(System.nanoTime());
    private static final AtomicLong PASSES_SINCE_COLLECTION = new AtomicLong();

    private Memory() {}

    /** A c-order array of {@code shape} with undefined contents, from the pool when it has one. */
    public static INDArray uninitialized(DataType type, long... shape) {
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        DataBuffer b = length == 0 ? null : POOL.take(type, length);
        if (b == null) {
            return Nd4j.createUninitialized(type, shape);
        }
        return Nd4j.create(b, shape, Nd4j.getStrides(shape, 'c'), 0, 'c', type);
    }

    /** As {@link #uninitialized}, filled with zeros. */
    public static INDArray zeros(DataType type, long... shape) {
        return uninitialized(type, shape).assign(0);
    }

    /**
     * Hands the buffer under {@code a} back for reuse: for scratch a layer allocated and nothing
     * else can still read (a padded copy of its input, an uncropped gradient).
     */
    public static void recycle(INDArray a) {
        if (a != null && !a.isEmpty()) {
            release(Buffers.root(a));
        }
    }

    /** Bytes held idle in the pool; for tests and diagnostics. */
    public static long pooledBytes() {
        synchronized (POOL) {
            return POOL.bytes;
        }
    }

    /** Whether {@code buffer} is free: closed, or idle in the pool. */
    static boolean isFree(DataBuffer buffer) {
        return buffer.wasClosed() || POOL.holds(buffer);
    }

    /** Frees every idle buffer of the pool. */
    public static void trim() {
        POOL.evict(Long.MAX_VALUE);
    }

    /**
     * Takes a root buffer the engine owns and no longer uses. Buffers that are not plain
     * off-heap host memory (workspace-attached, constant, already closed) are closed or left.
     */
    static void release(DataBuffer root) {
        if (root.wasClosed() || !root.closeable()) {
            return;
        }
        if (root.isAttached() || root.isConstant() || root.length() == 0) {
            root.close();
            return;
        }
        POOL.put(root);
    }

    /**
     * How long passes may run between the collections the engine asks for (see the class
     * comment); {@link Duration#ZERO} when it never asks.
     */
    public static Duration collectionInterval() {
        return Duration.ofNanos(collectionIntervalNanos);
    }

    /** Sets {@link #collectionInterval()}; zero or negative: never ask for a collection. */
    public static void setCollectionInterval(Duration interval) {
        collectionIntervalNanos = Math.max(0, interval.toNanos());
    }

    /**
     * An application's own policy: {@link #setCollectionInterval}, unless the property
     * {@code xai4j.gc.interval.seconds} has set one (the command line and the benchmark reports choose 10 s).
     */
    public static void setDefaultCollectionInterval(Duration interval) {
        if (System.getProperty(INTERVAL_PROPERTY) == null) {
            setCollectionInterval(interval);
        }
    }

    /**
     * Ends a pass: buffers that sat idle too long are freed, and once the
     * collection interval has gone by (with two passes or more in it) the GC is asked to free
     * the native memory of ND4J's dead Java objects.
     */
    static void endPass() {
        POOL.endPass();
        long interval = collectionIntervalNanos;
        long passes = PASSES_SINCE_COLLECTION.incrementAndGet();
        long last = LAST_COLLECTION.get();
        long now = System.nanoTime();
        if (interval > 0 && passes >= 2 && now - last >= interval && LAST_COLLECTION.compareAndSet(last, now)) {
            PASSES_SINCE_COLLECTION.set(0);
            System.gc();
        }
    }

    private record Key(DataType type, long length) {}

    private record Idle(DataBuffer buffer, long since) {}

    private static final class Pool {
        final Map<Key, ArrayDeque<Idle>> free = new HashMap<>();
        long pass;
        long bytes;

        synchronized void endPass() {
            pass++;
            evict(pass - IDLE_PASSES);
        }

        synchronized DataBuffer take(DataType type, long length) {
            ArrayDeque<Idle> q = free.get(new Key(type, length));
            Idle i = q == null ? null : q.pollLast();
            if (i == null) {
                return null;
            }
            bytes -= i.buffer().length() * i.buffer().getElementSize();
            return i.buffer();
        }

        synchronized boolean holds(DataBuffer b) {
            ArrayDeque<Idle> q = free.get(new Key(b.dataType(), b.length()));
            return q != null && q.stream().anyMatch(i -> i.buffer() == b);
        }

        synchronized void put(DataBuffer b) {
            free.computeIfAbsent(new Key(b.dataType(), b.length()), k -> new ArrayDeque<>()).addLast(new Idle(b, pass));
            bytes += b.length() * b.getElementSize();
        }

        /** Frees the buffers released before pass {@code before}. */
        synchronized void evict(long before) {
            for (Iterator<ArrayDeque<Idle>> it = free.values().iterator(); it.hasNext(); ) {
                ArrayDeque<Idle> q = it.next();
                // Oldest first: each deque is in release order.
                while (!q.isEmpty() && q.peekFirst().since() < before) {
                    DataBuffer b = q.pollFirst().buffer();
                    bytes -= b.length() * b.getElementSize();
                    b.close();
                }
                if (q.isEmpty()) {
                    it.remove();
                }
            }
        }
    }
}
