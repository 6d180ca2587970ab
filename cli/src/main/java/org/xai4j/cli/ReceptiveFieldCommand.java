package org.xai4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.xai4j.engine.Graph;
import org.xai4j.explain.inside.ReceptiveField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code xai4j receptive-field}: the input pixels a unit can see, from the graph's geometry alone. */
@Command(name = "receptive-field", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Receptive fields from the model's geometry (kernels, strides, pads, dilation, residual branches "
                + "and concatenations; global pooling sees the whole input): without --layer a table of every node's "
                + "field size, jump (stride in input pixels) and the centre of its first unit; with --layer that node's "
                + "size in input pixels, and with --position the exact input region of one unit, clipped to the image, "
                + "beside its unclipped extent."})
final class ReceptiveFieldCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    PixelOptions pixels;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    @Option(names = "--layer", paramLabel = "NODE", description = "A node (name or alias as `xai4j layers` prints).")
    String layer;

    @Option(names = "--position", paramLabel = "Y,X", split = ",", description = "A unit of --layer: row and column in its output.")
    List<Long> position;

    @Override
    public Integer call() {
        Graph graph = model.graph();
        int[] hw = pixels.side(model.input());
        ReceptiveField rf = ReceptiveField.of(graph, hw[0], hw[1]);
        PrintWriter out = spec.commandLine().getOut();
        out.println("model: " + model.file() + "  input: " + hw[0] + "x" + hw[1]);
        if (layer == null) {
            if (position != null) {
                throw new IllegalArgumentException("--position needs --layer");
            }
            out.printf(Locale.ROOT, "%n%-36s %-12s %-13s %-9s %s%n", "node", "output", "field (px)", "jump", "centre of unit 0,0");
            for (ReceptiveField.Field f : rf.all()) {
                if (f.y() == null) {
                    continue;
                }
                out.printf(Locale.ROOT, "%-36s %-12s %-13s %-9s %s%n", f.node(), f.height() + "x" + f.width(),
                        size(f.y(), hw[0]) + "x" + size(f.x(), hw[1]), f.y().jump() + "x" + f.x().jump(),
                        centre(f.y().centre(0)) + "," + centre(f.x().centre(0)));
            }
            return 0;
        }
        ReceptiveField.Field f = rf.field(graph.resolve(layer));
        if (f.y() == null) {
            throw new IllegalArgumentException("node '" + layer + "' reads no input pixel (a constant)");
        }
        out.printf(Locale.ROOT, "layer: %s (%s), output %dx%d%n", f.node(), f.op(), f.height(), f.width());
        out.printf(Locale.ROOT, "receptive field: %sx%s input pixels, jump %dx%d, unit 0,0 centred at %s,%s%n",
                size(f.y(), hw[0]), size(f.x(), hw[1]), f.y().jump(), f.x().jump(), centre(f.y().centre(0)), centre(f.x().centre(0)));
        if (position != null) {
            if (position.size() != 2) {
                throw new ParameterException(spec.commandLine(), "--position takes Y,X (two numbers), got " + position);
            }
            ReceptiveField.Region r = rf.region(f.node(), position.get(0), position.get(1));
            out.printf(Locale.ROOT, "unit %d,%d: rows %s, columns %s of the %dx%d input (%dx%d pixels); unclipped rows %s, columns %s%n",
                    position.get(0), position.get(1), span(r.rows()), span(r.columns()), hw[0], hw[1], r.rows().size(), r.columns().size(),
                    span(r.rowsUnclipped()), span(r.columnsUnclipped()));
        }
        return 0;
    }

    /** The field's size; a global one (jump 0, past global pooling) as the input it covers. */
    private static String size(ReceptiveField.Axis a, int input) {
        return a.jump() == 0 ? Long.toString(Math.min(a.hi(), input - 1) - Math.max(a.lo(), 0) + 1) : Long.toString(a.size());
    }

    private static String span(ReceptiveField.Span s) {
        return s.isEmpty() ? "none" : s.from() + ".." + s.to();
    }

    private static String centre(double c) {
        return c == Math.rint(c) ? Long.toString((long) c) : String.format(Locale.ROOT, "%.1f", c);
    }

}
