package org.xai4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.Hooks;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.engine.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code xai4j layers}: every node with its operation and output shape, found by a forward pass on zeros. */
@Command(name = "layers", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Lists every node of a model in execution order: name, operation, output shape (from a forward "
                + "pass on zeros), parameter count, inputs and other names (aliases) it answers to.")
final class LayersCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--input-shape", paramLabel = "N,C,H,W", converter = Converters.Shape.class,
            description = "Shape of the zeros fed to the model (default: the model's input shape with N = 1).")
    Converters.Dims inputShape;

    @Mixin
    OutputOptions format;

    @Override
    public Integer call() {
        Graph graph = model.graph();
        Graph.Input in = model.input();
        long[] shape = inputShape != null ? inputShape.values() : defaultShape(in);
        Map<String, long[]> shapes = new HashMap<>();
        // Checked before the zeros exist: a shape declared in the file may be far too large to allocate.
        MemoryBudget.checkInference(graph, Map.of(in.name(), shape), graph.outputs(), Float.BYTES);
        INDArray zeros = Nd4j.zeros(DataType.FLOAT, shape);
        graph.run(Map.of(in.name(), zeros), graph.outputs(), Hooks.NONE.forward(n -> true, (node, y) -> {
            shapes.put(node.name(), y.shape());
            return null;
        }));
        Map<String, List<String>> aliases = new TreeMap<>();
        graph.aliases().forEach((alias, name) -> aliases.computeIfAbsent(name, k -> new ArrayList<>()).add(alias));

        PrintWriter out = format.out();
        if (format.json) {
            out.println(Json.write(json(graph, in, shape, shapes, aliases)));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"#", "node", "op", "output", "params", "inputs", "aliases"});
        long total = 0;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            long params = parameters(n);
            total += params;
            rows.add(new String[] {Integer.toString(i + 1), n.name(), n.layer().describe(),
                    Converters.shape(shapes.get(n.name())), params == 0 ? "-" : String.format("%,d", params),
                    String.join(", ", n.inputs()), String.join(", ", aliases.getOrDefault(n.name(), List.of()))});
        }
        out.println("model: " + model.file() + "  input: " + in.name() + " " + Converters.shape(shape) + "  nodes: "
                + nodes.size() + "  parameters: " + String.format("%,d", total) + "  outputs: " + graph.outputs());
        out.println();
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                String cell = c == 0 || c == 4 ? " ".repeat(width[c] - r[c].length()) + r[c] : r[c];
                line.append(c == 0 ? "" : "  ").append(c == r.length - 1 ? cell : pad(cell, width[c]));
            }
            out.println(line.toString().stripTrailing());
        }
        return 0;
    }

    private static long[] defaultShape(Graph.Input in) {
        if (in.shape() == null) {
            throw new IllegalArgumentException("model input '" + in.name() + "' has no fixed shape; give --input-shape, "
                    + "e.g. --input-shape 1,3,224,224");
        }
        long[] shape = in.shape().clone();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                if (i != 0) {
                    throw new IllegalArgumentException("model input '" + in.name() + "' " + Converters.shape(in.shape())
                            + " has a free dimension besides the batch; give --input-shape");
                }
                shape[i] = 1;
            }
        }
        return shape;
    }

    private static long parameters(Node n) {
        return n.layer().parameters().values().stream().mapToLong(INDArray::length).sum();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    private Map<String, Object> json(Graph graph, Graph.Input in, long[] shape, Map<String, long[]> shapes,
                                     Map<String, List<String>> aliases) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.file().toString());
        o.put("input", in.name());
        o.put("input_shape", shape);
        o.put("outputs", graph.outputs());
        List<Object> nodes = new ArrayList<>();
        for (Node n : graph.nodes()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", n.name());
            r.put("op", n.layer().describe());
            r.put("output_shape", shapes.get(n.name()));
            r.put("parameters", parameters(n));
            r.put("inputs", n.inputs());
            r.put("aliases", aliases.getOrDefault(n.name(), List.of()));
            nodes.add(r);
        }
        o.put("nodes", nodes);
        return o;
    }
}
