package org.xai4j.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Where chains of split steps end ({@link Chains}), on steps of two parts over two buffers of 100 bytes. */
class ChainsTest {
    private final OneDnnPlan.Buffer a = new OneDnnPlan.Buffer(100, 0);
    private final OneDnnPlan.Buffer b = new OneDnnPlan.Buffer(100, 0);

    @AfterEach
    void free() {
        a.block.close();
        b.block.close();
    }

    /** A step of two parts: part 0 reads {@code in} [r0, r1) and writes {@code out} [0, 50), part 1 reads [s0, s1) and writes [50, 100). */
    private static List<List<Chains.Access>> step(OneDnnPlan.Buffer in, long r0, long r1, long s0, long s1, OneDnnPlan.Buffer out) {
        return List.of(
                List.of(new Chains.Access(in, r0, r1, false), new Chains.Access(out, 0, 50, true)),
                List.of(new Chains.Access(in, s0, s1, false), new Chains.Access(out, 50, 100, true)));
    }

    private static int[] ends(boolean[] handsOut, List<List<List<Chains.Access>>> steps) {
        return Chains.ends(steps, handsOut);
    }

    @Test
    void partsThatReadTheirOwnThreadsWritesChain() {
        // a -> b -> a, each part reading the half its thread wrote: one chain of three.
        List<List<List<Chains.Access>>> steps = List.of(step(a, 0, 50, 50, 100, b), step(b, 0, 50, 50, 100, a), step(a, 0, 50, 50, 100, b));
        assertArrayEquals(new int[] {3, 3, 3}, ends(new boolean[3], steps));
    }

    @Test
    void aHaloWrittenByTheOtherThreadEndsTheChain() {
        // The second step's parts read one byte past their thread's half (a 3 x 3 window's halo row):
        // it starts a chain, and so does the third, whose part 0 overwrites the byte of b that the
        // second step's part 1 read.
        List<List<List<Chains.Access>>> steps = List.of(step(a, 0, 50, 50, 100, b), step(b, 0, 51, 49, 100, a), step(a, 0, 50, 50, 100, b));
        assertArrayEquals(new int[] {1, 2, 3}, ends(new boolean[3], steps));
        steps = List.of(step(a, 0, 50, 50, 100, b), step(b, 0, 51, 49, 100, a), step(a, 0, 50, 50, 100, a));
        assertArrayEquals(new int[] {1, 3, 3}, ends(new boolean[3], steps));
    }

    @Test
    void overwritingWhatTheOtherThreadReadsEndsTheChain() {
        // The first step's part 1 reads all of a; the second's part 0 writes a's first half.
        List<List<List<Chains.Access>>> steps = List.of(step(a, 0, 50, 0, 100, b), step(b, 0, 50, 50, 100, a));
        assertArrayEquals(new int[] {1, 2}, ends(new boolean[2], steps));
    }

    @Test
    void wholeStepsAndHandedOutValuesEndChains() {
        List<List<List<Chains.Access>>> steps = new ArrayList<>(Arrays.asList(step(a, 0, 50, 50, 100, b), step(b, 0, 50, 50, 100, a),
                null, step(a, 0, 50, 50, 100, b), step(b, 0, 50, 50, 100, a)));
        assertArrayEquals(new int[] {2, 2, 3, 5, 5}, ends(new boolean[5], steps));
        boolean[] handsOut = new boolean[5];
        handsOut[0] = true; // a later step may overwrite what the first hands out
        assertArrayEquals(new int[] {1, 2, 3, 5, 5}, ends(handsOut, steps));
    }

    @Test
    void aChainsTasksRunEachThreadsPartsInOrder() {
        List<String> ran = new ArrayList<>();
        List<Runnable[]> steps = List.of(
                new Runnable[] {() -> ran.add("s0p0"), () -> ran.add("s0p1")},
                new Runnable[] {() -> ran.add("s1p0")}, // a step of one part (too few rows to split in two)
                new Runnable[] {() -> ran.add("s2p0"), () -> ran.add("s2p1")});
        Runnable[] tasks = Chains.tasks(steps, 0, 3);
        assertEquals(2, tasks.length);
        tasks[1].run();
        tasks[0].run();
        assertEquals(List.of("s0p1", "s2p1", "s0p0", "s1p0", "s2p0"), ran);
    }
}
