package org.xai4j.cli;

import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress over the inputs of a many-input run, on stderr. After the first input its time
 * estimates the rest; work estimated at over {@value ExplainProgress#SHOW_AFTER_SECONDS} seconds
 * gets one line with the estimate and, when stderr is a terminal, a progress bar
 * (me.tongfei:progressbar) with the rate in inputs per second and the time left; in a log, a line
 * with the same every {@value #LOG_EVERY_SECONDS} seconds instead. Nothing is shown for quick work. Result lines go through {@link #println} so the bar stays off them.
 */
final class ImagesProgress implements AutoCloseable {
    static final int LOG_EVERY_SECONDS = 30;
    private final PrintWriter err;
    private final boolean terminal;
    private final int total;
    private final long start = System.nanoTime();
    private ProgressBar bar;
    private int done;
    private boolean estimated;
    private boolean shown;
    private long lastLine;

    private final long logEveryNanos;

    ImagesProgress(PrintWriter err, boolean terminal, int total) {
        this(err, terminal, total, LOG_EVERY_SECONDS * 1_000_000_000L);
    }

    ImagesProgress(PrintWriter err, boolean terminal, int total, long logEveryNanos) {
        this.err = err;
        this.terminal = terminal;
        this.total = total;
        this.logEveryNanos = logEveryNanos;
    }

    /** {@code n} more inputs are done (written or failed). */
    void advance(int n) {
        done += n;
        if (!estimated && done < total) {
            estimated = true;
            double seconds = (System.nanoTime() - start) / 1e9 / done * (total - done);
            if (seconds > ExplainProgress.SHOW_AFTER_SECONDS) {
                err.println(String.format(Locale.ROOT, "xai4j: about %s for the %d inputs left, from the first %d",
                        ExplainProgress.duration(seconds), total - done, done));
                err.flush();
                shown = true;
                lastLine = System.nanoTime();
                if (terminal) {
                    bar = new ProgressBarBuilder().setTaskName("inputs").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                            .setUnit(" inputs", 1).showSpeed().setSpeedUnit(ChronoUnit.SECONDS).setUpdateIntervalMillis(500)
                            .setConsumer(new ExplainProgress.Line(err)).build();
                }
            }
        }
        if (bar != null) {
            bar.stepTo(done);
        } else if (shown && done > 1 && done < total && System.nanoTime() - lastLine >= logEveryNanos) {
            lastLine = System.nanoTime();
            double elapsed = (lastLine - start) / 1e9;
            err.println(String.format(Locale.ROOT, "xai4j: %d of %d inputs, %.2f/s, about %s left", done, total, done / elapsed,
                    ExplainProgress.duration(elapsed / done * (total - done))));
            err.flush();
        }
    }

    /** Prints a result line on {@code out}, first clearing the bar when both share the terminal. */
    void println(PrintWriter out, String line) {
        if (bar != null) {
            err.print("\r" + " ".repeat(ExplainProgress.Line.WIDTH) + "\r");
            err.flush();
        }
        out.println(line);
        out.flush();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
