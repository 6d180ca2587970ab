package org.xai4j.cli;

import java.nio.file.Path;
import org.xai4j.engine.Graph;
import org.xai4j.importers.Models;
import picocli.CommandLine.Option;

/** {@code --model FILE}, shared by every command that reads a model (use it as a picocli mixin). */
public final class ModelOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE",
            description = "The model: ONNX (.onnx) or Keras (.h5), told apart by content.")
    Path file;

    private Graph graph;

    public Path file() {
        return file;
    }

    /** The model as a graph, loaded on first use. */
    public Graph graph() {
        if (graph == null) {
            graph = Models.load(file);
        }
        return graph;
    }

    /** The model's only input; models with several inputs are refused by name. */
    public Graph.Input input() {
        Graph g = graph();
        if (g.inputs().size() != 1) {
            throw new IllegalArgumentException(file + ": the model has " + g.inputs().size() + " inputs "
                    + g.inputs().stream().map(Graph.Input::name).toList() + "; xai4j's commands take single-input models");
        }
        return g.inputs().get(0);
    }
}
