package org.xai4j.engine;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Who may free which off-heap buffer. ND4J frees native memory only when the GC collects the
 * Java owner, which on a small heap can be never: thousands of passes then grow resident memory
 * by gigabytes. So the engine frees what it allocated (into {@link Memory}'s pool), but several arrays can share one buffer
 * (a reshape, an identity, a layer that returns its input), so ownership is counted per root
 * buffer, and buffers of feeds, parameters and results handed to the caller are pinned.
 */
final class Buffers {
    private final Set<DataBuffer> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<DataBuffer, Integer> live = new IdentityHashMap<>();

    static DataBuffer root(INDArray a) {
        if (a == null || a.isEmpty()) {
            return null;
        }
        DataBuffer b = a.data();
        while (b != null && b.originalDataBuffer() != null && b.originalDataBuffer() != b) {
            b = b.originalDataBuffer();
        }
        return b;
    }

    void pin(INDArray a) {
        DataBuffer r = root(a);
        if (r != null) {
            pinned.add(r);
            live.remove(r);
        }
    }

    boolean isPinned(INDArray a) {
        DataBuffer r = root(a);
        return r == null || pinned.contains(r);
    }

    /** One more live reference to {@code a}'s buffer. */
    void hold(INDArray a) {
        DataBuffer r = root(a);
        if (r != null && !pinned.contains(r)) {
            live.merge(r, 1, Integer::sum);
        }
    }

    /** One reference fewer; the buffer is freed when none is left. */
    void drop(INDArray a) {
        DataBuffer r = root(a);
        if (r == null || pinned.contains(r)) {
            return;
        }
        Integer left = live.merge(r, -1, Integer::sum);
        if (left != null && left <= 0) {
            live.remove(r);
            free(r);
        }
    }

    /** Frees every buffer still held. */
    void dropAll() {
        for (DataBuffer r : live.keySet()) {
            free(r);
        }
        live.clear();
    }

    /** Back to {@link Memory}'s pool, where the next pass takes it instead of a fresh allocation. */
    private static void free(DataBuffer r) {
        Memory.release(r);
    }
}
