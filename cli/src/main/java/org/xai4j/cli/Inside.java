package org.xai4j.cli;

import java.nio.file.Path;

/** What the look-inside commands share: where their files go and how a node name becomes a file name. */
final class Inside {
    private Inside() {}

    /** {@code --out}, else {@code inside/<model file name without extension>}. */
    static Path out(Path out, Path model) {
        if (out != null) {
            return out;
        }
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return Path.of("inside", dot > 0 ? name.substring(0, dot) : name);
    }

    /** A node name as part of a file name: characters other than letters, digits, '.', '-' and '_' become '_'. */
    static String fileName(String node) {
        return node.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
