package org.xai4j.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.xai4j.explain.Progress;

/**
 * Progress of a long loop (maximize's steps, top-patches' images) on stderr: on a terminal a bar
 * with rate and time left (me.tongfei:progressbar); elsewhere a line every 10% with the rate and
 * the time left, so logs stay readable.
 */
final class InsideProgress implements Progress, AutoCloseable {
    private final ProgressBar bar;
    private final PrintWriter err;
    private final String unit;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long nextLine;

    InsideProgress(PrintWriter err, String task, String unit, long total) {
        this.err = err;
        this.unit = unit;
        this.total = total;
        this.nextLine = Math.max(1, total / 10);
        bar = System.console() == null ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" " + unit, 1).showSpeed().setUpdateIntervalMillis(500)
                .setConsumer(new Line(err)).build();
    }

    @Override
    public void advance(long n) {
        done += n;
        if (bar != null) {
            bar.stepTo(done);
        } else if (done >= nextLine && done < total) {
            err.println(String.format(Locale.ROOT, "xai4j: %d of %d %s, %.1f %s/s, about %s left", done, total, unit, rate(), unit,
                    ExplainProgress.duration((total - done) / Math.max(rate(), 1e-9))));
            err.flush();
            nextLine += Math.max(1, total / 10);
        }
    }

    /** Items per second so far. */
    double rate() {
        return done / Math.max(seconds(), 1e-9);
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    static String elapsed(double seconds) {
        return ExplainProgress.duration(seconds) + (seconds < 90 ? "" : " (" + Duration.ofSeconds((long) seconds) + ")");
    }

    private record Line(PrintWriter err) implements ProgressBarConsumer {
        @Override
        public int getMaxRenderedLength() {
            return 100;
        }

        @Override
        public void accept(String rendered) {
            err.print('\r' + rendered);
            err.flush();
        }

        @Override
        public void close() {
            err.println();
            err.flush();
        }
    }
}
