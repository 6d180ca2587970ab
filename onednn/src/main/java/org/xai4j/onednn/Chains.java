package org.xai4j.onednn;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs of consecutive split steps ({@link ChannelSplit}, {@link RowSplit}, {@link ImageSplit}) whose parts run as one
 * task per thread, with no wait for the other threads between the steps: a chain. Thread i runs
 * part i of every step of the chain in order, so a chain is sound when no part of it reads or
 * writes bytes that a part on another thread writes anywhere in the chain.
 *
 * <p>Why: a split plan otherwise waits for every thread after every step. Split by rows, a 1x1
 * convolution reads the rows its own thread wrote a step before, so MobileNetV2's projection and
 * the next block's expansion need no wait; its depthwise 3 x 3 windows read a halo row the other
 * thread wrote, so a chain ends there.
 */
final class Chains {
    /** {@code -Dxai4j.onednn.split.chain=false} waits after every step; read when a plan compiles. */
    static final String PROPERTY = "xai4j.onednn.split.chain";

    private Chains() {}

    static boolean requested() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
    }

    /** Bytes [from, to) of a plan buffer that one part reads or writes. */
    record Access(OneDnnPlan.Buffer buffer, long from, long to, boolean write) {
        boolean conflicts(Access other) {
            return buffer == other.buffer && (write || other.write) && from < other.to && other.from < to;
        }
    }

    /**
     * Where each chain ends: {@code end[t]} is one past the last step of the chain that starts at
     * step {@code t} (t + 1 for a step that runs whole or alone). {@code parts.get(t)} holds what
     * each part of step t reads and writes, or is null for a step that runs whole; a chain also
     * ends after a step whose values are handed out ({@code handsOut[t]}), since a later step may
     * overwrite them.
     */
    static int[] ends(List<List<List<Access>>> parts, boolean[] handsOut) {
        int[] end = new int[parts.size()];
        int t = 0;
        while (t < parts.size()) {
            int u = t + 1;
            if (parts.get(t) != null) {
                List<List<Access>> seen = new ArrayList<>();
                for (List<Access> p : parts.get(t)) {
                    seen.add(new ArrayList<>(p));
                }
                while (u < parts.size() && !handsOut[u - 1] && parts.get(u) != null && !conflicts(seen, parts.get(u))) {
                    List<List<Access>> next = parts.get(u);
                    for (int i = 0; i < next.size(); i++) {
                        if (i == seen.size()) {
                            seen.add(new ArrayList<>());
                        }
                        seen.get(i).addAll(next.get(i));
                    }
                    u++;
                }
            }
            for (int s = t; s < u; s++) {
                end[s] = u;
            }
            t = u;
        }
        return end;
    }

    /** Whether part i of the next step touches what another thread's parts of the chain so far write, or writes what they read. */
    private static boolean conflicts(List<List<Access>> seen, List<List<Access>> next) {
        for (int i = 0; i < next.size(); i++) {
            for (Access a : next.get(i)) {
                for (int j = 0; j < seen.size(); j++) {
                    if (j == i) {
                        continue;
                    }
                    for (Access b : seen.get(j)) {
                        if (a.conflicts(b)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /** The chain of steps [from, to) as one task per thread: task i runs part i of each step that has one, in order. */
    static <R extends Runnable> Runnable[] tasks(List<R[]> steps, int from, int to) {
        int n = 0;
        for (int t = from; t < to; t++) {
            n = Math.max(n, steps.get(t).length);
        }
        Runnable[] tasks = new Runnable[n];
        for (int i = 0; i < n; i++) {
            List<Runnable> mine = new ArrayList<>();
            for (int t = from; t < to; t++) {
                if (i < steps.get(t).length) {
                    mine.add(steps.get(t)[i]);
                }
            }
            Runnable[] run = mine.toArray(new Runnable[0]);
            tasks[i] = () -> {
                for (Runnable r : run) {
                    r.run();
                }
            };
        }
        return tasks;
    }
}
