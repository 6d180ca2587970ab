package org.xai4j.engine;

import java.util.List;

/**
 * A named step of a graph: a layer applied to the values named by {@code inputs} (graph inputs
 * or other nodes). The node's output is named like the node.
 */
public record Node(String name, Layer<?> layer, List<String> inputs) {

    public Node {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a node needs a non-empty name");
        }
        inputs = List.copyOf(inputs);
    }

    public static Node of(String name, Layer<?> layer, String... inputs) {
        return new Node(name, layer, List.of(inputs));
    }
}
