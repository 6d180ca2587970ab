package org.xai4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.xai4j.engine.Graph;
import org.xai4j.explain.Method;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.Progress;

/**
 * What {@code explain} shows on stderr while long work runs. The work is counted in rows sent
 * through the network ({@link Method#rowsFor}: IG's steps, SmoothGrad's samples, Score-CAM's channels, one per plain
 * method), its time estimated from a forward pass (a backward costs about two forwards, so a row
 * about three; rows in batches cost less, so this errs long). The first pass also compiles the
 * model's plans, so when it alone predicts long work a second one is timed. Work estimated at over
 * {@value #SHOW_AFTER_SECONDS} seconds gets one line with the estimate and, when stderr is a
 * terminal, a progress bar (me.tongfei:progressbar) that the long methods advance batch by batch
 * and every method completes when it ends. Nothing is shown for quick work or in logs.
 */
final class ExplainProgress implements Progress, AutoCloseable {
    static final double SHOW_AFTER_SECONDS = 2;
    private static final double ROW_IN_FORWARDS = 3;

    private final ProgressBar bar;
    private final PrintWriter err;
    private final Function<Method, Parameters> parameters;
    private final Graph graph;
    private final long[] input;
    private long finished;
    private long current;

    private ExplainProgress(ProgressBar bar, PrintWriter err, Graph graph, long[] input, Function<Method, Parameters> parameters) {
        this.bar = bar;
        this.err = err;
        this.graph = graph;
        this.input = input;
        this.parameters = parameters;
    }

    /**
     * @param firstMs the time of the first forward pass of one row
     * @param forwardMs times another forward pass, asked for only when the first predicts long work
     * @param terminal whether {@code err} is a terminal (a bar in a log file is a mess of carriage returns)
     */
    static ExplainProgress start(PrintWriter err, boolean terminal, List<Method> methods, Graph graph, long[] input, Parameters p,
                                 double firstMs, DoubleSupplier forwardMs) {
        return start(err, terminal, methods, graph, input, m -> p, firstMs, forwardMs);
    }

    /** As above, with each method's own parameters (LIME and KernelSHAP default to more samples than SmoothGrad). */
    static ExplainProgress start(PrintWriter err, boolean terminal, List<Method> methods, Graph graph, long[] input,
                                 Function<Method, Parameters> p, double firstMs, DoubleSupplier forwardMs) {
        long rows = methods.stream().mapToLong(m -> m.rowsFor(graph, input, p.apply(m))).sum();
        double seconds = rows * ROW_IN_FORWARDS * firstMs / 1000;
        if (seconds <= SHOW_AFTER_SECONDS) {
            return new ExplainProgress(null, err, graph, input, p);
        }
        double ms = Math.min(firstMs, forwardMs.getAsDouble());
        seconds = rows * ROW_IN_FORWARDS * ms / 1000;
        if (seconds <= SHOW_AFTER_SECONDS) {
            return new ExplainProgress(null, err, graph, input, p);
        }
        err.println(String.format(Locale.ROOT, "xai4j: about %s: %d passes of one input (forward and backward), "
                + "estimated from a forward pass (%.0f ms)", duration(seconds), rows, ms));
        err.flush();
        if (!terminal) {
            return new ExplainProgress(null, err, graph, input, p);
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName("explain").setInitialMax(rows).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" passes", 1).setUpdateIntervalMillis(500).setConsumer(new Line(err)).build();
        return new ExplainProgress(bar, err, graph, input, p);
    }

    @Override
    public void advance(long rows) {
        current += rows;
        if (bar != null) {
            bar.stepTo(finished + current);
        }
    }

    /** {@code m} has ended: its rows are done whether or not it reported them. */
    void finished(Method m) {
        finished += m.rowsFor(graph, input, parameters.apply(m));
        current = 0;
        if (bar != null) {
            bar.stepTo(finished);
        }
    }

    /** Prints a line of results on {@code out}, first clearing the bar when both share the terminal. */
    void println(PrintWriter out, String line) {
        if (bar != null) {
            err.print("\r" + " ".repeat(Line.WIDTH) + "\r");
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

    /** "40 s", "3 min", "4.2 h". */
    static String duration(double seconds) {
        if (seconds < 90) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        if (seconds < 90 * 60) {
            return String.format(Locale.ROOT, "%.0f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }

    /** The bar redrawn in place on one line of {@code err} (picocli's writer, not System.err, so tests see it). */
    record Line(PrintWriter err) implements ProgressBarConsumer {
        static final int WIDTH = 100;

        @Override
        public int getMaxRenderedLength() {
            return WIDTH;
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
