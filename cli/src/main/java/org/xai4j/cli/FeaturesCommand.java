package org.xai4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.inside.FeatureMaps;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code xai4j features}: a node's feature maps for one photo. */
@Command(name = "features", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Runs the model on one photo or tensor and draws channels of a node's output, taken with a forward "
                + "hook, as a titled grid in the viridis colours with a colour bar. Writes DIR/features_<node>.png."})
final class FeaturesCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    InputOptions input;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    @Option(names = "--layer", required = true, paramLabel = "NODE", description = "A node with feature maps [N, K, h, w].")
    String layer;

    static final class Which {
        @Option(names = "--channels", paramLabel = "C1,C2,...", split = ",", description = "These channels.")
        List<Integer> channels;

        @Option(names = "--first", paramLabel = "K", converter = Converters.Positive.class, description = "The first K channels (default: 16).")
        Integer first;
    }

    @ArgGroup(exclusive = true)
    Which which = new Which();

    @Option(names = "--scale", paramLabel = "shared|channel", defaultValue = "shared",
            description = "shared (default): one colour scale over the channels shown, so they compare; channel: each min-max scaled on its own.")
    String scale;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the PNG goes (default: inside/<model name>).")
    Path out;

    @Override
    public Integer call() {
        FeatureMaps.Scale how = switch (scale) {
            case "shared" -> FeatureMaps.Scale.SHARED;
            case "channel" -> FeatureMaps.Scale.CHANNEL;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--scale " + scale + ": shared or channel");
        };
        Graph graph = model.graph();
        Graph.Input in = model.input();
        String node = graph.resolve(layer);
        MemoryBudget.checkInference(graph, Map.of(in.name(), input.shape(in)), List.of(node), Float.BYTES);
        INDArray x = input.tensor(in);
        INDArray a = FeatureMaps.capture(graph, x, node).activation();
        if (a.rank() != 4) {
            throw new IllegalArgumentException("node '" + node + "' gives " + Converters.shape(a.shape()) + ", not feature maps [N, K, h, w]");
        }
        List<Integer> channels = which.channels;
        if (channels == null) {
            channels = new ArrayList<>();
            int k = (int) Math.min(which.first == null ? 16 : which.first, a.size(1));
            for (int c = 0; c < k; c++) {
                channels.add(c);
            }
        }
        String title = node + " " + Converters.shape(a.shape()) + ", channels " + abbreviate(channels) + ", "
                + (how == FeatureMaps.Scale.SHARED ? "one colour scale" : "each channel min-max scaled") + "; " + input.file().getFileName();
        Path file = Inside.out(out, model.file()).resolve("features_" + Inside.fileName(node) + ".png");
        Overlay.writePng(FeatureMaps.grid(title, a, channels, how, Colormap.VIRIDIS, 96), file);
        PrintWriter w = spec.commandLine().getOut();
        w.println("input:  " + input.describe());
        w.println("layer:  " + node + " " + Converters.shape(a.shape()));
        w.println("wrote:  " + file + " (" + channels.size() + " channels)");
        return 0;
    }

    private static String abbreviate(List<Integer> c) {
        return c.size() <= 8 ? c.toString() : c.subList(0, 8) + "... (" + c.size() + ")";
    }
}
