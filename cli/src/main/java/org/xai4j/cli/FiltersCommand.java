package org.xai4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.inside.Filters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code xai4j filters}: a convolution's filters as a picture. */
@Command(name = "filters", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Draws a convolution's filters as a grid: filters of the first convolution on the RGB input in colour, "
                + "each min-max scaled; any other layer's averaged over their input channels in grey. Writes "
                + "DIR/filters_<node>.png."})
final class FiltersCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    PixelOptions pixels;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    @Option(names = "--layer", paramLabel = "NODE", description = "A convolution (default: the first).")
    String layer;

    @Option(names = "--max", paramLabel = "N", defaultValue = "256", converter = Converters.Positive.class,
            description = "Draw at most the first N filters (default: ${DEFAULT-VALUE}).")
    int max;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the PNG goes (default: inside/<model name>).")
    Path out;

    @Override
    public Integer call() {
        Graph graph = model.graph();
        String node = layer == null ? Filters.first(graph) : graph.resolve(layer);
        Filters.Picture p = Filters.draw(graph, node, max, pixels.preprocessing(model.file(), graph).preset() == Preprocess.CAFFE, 32);
        Path file = Inside.out(out, model.file()).resolve("filters_" + Inside.fileName(p.node()) + ".png");
        Overlay.writePng(p.image(), file);
        spec.commandLine().getOut().printf("%s: %s, %d of %d filters, %s -> %s%n", p.node(), p.describe(), p.shown(), p.filters(),
                p.colour() ? "RGB" : "grey", file);
        return 0;
    }
}
