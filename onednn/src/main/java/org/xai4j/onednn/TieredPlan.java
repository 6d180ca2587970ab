package org.xai4j.onednn;

import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Accelerator;

/**
 * A plan that starts on direct kernels and recompiles with Winograd ones before its run number
 * {@code after} + 1 ({@link Winograd}'s auto mode). A count, not a clock: the same calls switch at
 * the same run every time. The switch happens at the start of a run, so a backward always meets
 * the plan its forward ran on; the run count goes on across it.
 */
final class TieredPlan implements Accelerator.Plan {
    private OneDnnPlan current;
    private Supplier<OneDnnPlan> upgrade;
    private final long after;
    private long runs;

    TieredPlan(OneDnnPlan direct, Supplier<OneDnnPlan> winograd, long after) {
        this.current = direct;
        this.upgrade = winograd;
        this.after = after;
    }

    @Override
    public synchronized Map<String, INDArray> run(INDArray x) {
        if (upgrade != null && runs >= after) {
            Supplier<OneDnnPlan> winograd = upgrade;
            upgrade = null; // tried once: a plan that cannot recompile keeps its direct kernels
            try {
                OneDnnPlan next = winograd.get();
                current.close();
                current = next;
            } catch (UnsupportedOperationException e) {
                // the direct plan stays
            }
        }
        Map<String, INDArray> out = current.run(x);
        runs++;
        return out;
    }

    @Override
    public synchronized INDArray backward(long run, Map<String, INDArray> outputGradients) {
        if (run != runs) {
            throw new IllegalStateException("the plan ran again (run " + runs + ") before the backward of run " + run
                    + "; take each backward before the next forward on this thread");
        }
        return current.backward(current.runs(), outputGradients);
    }

    @Override
    public synchronized long runs() {
        return runs;
    }

    @Override
    public synchronized String describe() {
        String description = current.describe();
        if (upgrade == null) {
            return description;
        }
        int firstLineEnd = description.indexOf('\n') < 0 ? description.length() : description.indexOf('\n');
        return description.substring(0, firstLineEnd) + ", winograd from run " + (after + 1) + description.substring(firstLineEnd);
    }

    @Override
    public synchronized void close() {
        upgrade = null;
        current.close();
    }
}
