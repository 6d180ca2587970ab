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
        return cosine(lr, warmup, 0);
    }

    /**
     * {@link #cosine(double, long)} with the peak held: the warm-up, then {@code lr} until the
     * share {@code hold} of the {@code total} steps has run, then the cosine from there to 0 (a
     * warm-up, stable, decay schedule: Hu et al. 2024, MiniCPM, sec. 4; Hagele et al. 2024). Why:
     * on the shapes set the loss sits near log K for a stretch that varies from run to run, and the
     * classes separate only after it; held at its peak, the rate is still high when they do, where
     * a cosine from the start has already spent half of it. {@code hold} 0 is the plain cosine.
     */
    static Schedule cosine(double lr, long warmup, double hold) {
        check(lr);
        if (warmup < 0) {
            throw new IllegalArgumentException("cosine schedule: warm-up of " + warmup + " steps; accepted: >= 0");
        }
        if (!(hold >= 0 && hold < 1)) {
            throw new IllegalArgumentException("cosine schedule: hold " + hold + "; accepted: 0 <= hold < 1 (a share of the steps)");
        }
        return (step, total) -> {
            if (step < warmup) {
                return lr * (step + 1) / warmup;
            }
            long from = Math.max(warmup, (long) (hold * total));
            if (step < from) {
                return lr;
            }
            long span = Math.max(1, total - from);
            return lr * (1 + Math.cos(Math.PI * Math.min(step - from, span) / span)) / 2;
        };
    }

    private static void check(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "learning rate %s; accepted: a finite number > 0", lr));
        }
    }
}
