package org.xai4j.train;

import java.util.Locale;

/**
 * The learning rate at each step of a training of {@code total} steps (step 0 first). A value:
 * stateless, so a restarted or repeated training sees the same rates.
 */
@FunctionalInterface
public interface Schedule {

    double rate(long step, long total);

    /** The same rate throughout. */
    static Schedule constant(double lr) {
        check(lr);
        return (step, total) -> lr;
    }

    /** {@code lr gamma^floor(step / every)}: the rate drops by {@code gamma} every {@code every} steps. */
    static Schedule step(double lr, long every, double gamma) {
        check(lr);
        if (every < 1 || !(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("step schedule: every " + every + ", gamma " + gamma
                    + "; accepted: every >= 1, 0 < gamma <= 1");
        }
        return (step, total) -> lr * Math.pow(gamma, step / every);
    }

    /**
     * A linear warm-up from {@code lr / warmup} to {@code lr} over the first {@code warmup} steps,
     * then cosine annealing towards 0 at step {@code total} (Loshchilov and Hutter, SGDR, ICLR 2017, without
     * restarts): {@code lr (1 + cos(pi s / S)) / 2} with s the steps since the warm-up and S those
     * that remain after it.
     */
    static Schedule cosine(double lr, long warmup) {
        check(lr);
        if (warmup < 0) {
            throw new IllegalArgumentException("cosine schedule: warm-up of " + warmup + " steps; accepted: >= 0");
        }
        return (step, total) -> {
            if (step < warmup) {
                return lr * (step + 1) / warmup;
            }
            long span = Math.max(1, total - warmup);
            return lr * (1 + Math.cos(Math.PI * Math.min(step - warmup, span) / span)) / 2;
        };
    }

    private static void check(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "learning rate %s; accepted: a finite number > 0", lr));
        }
    }
}
