package org.xai4j.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the shared directory beside the repository (the oracle, the pretrained models):
 * {@code $XAI4J_SHARED}, else {@code ../shared} beside the repository that holds the working
 * directory. Read in place, never copied into the repository.
 */
final class SharedFiles {
    private SharedFiles() {}

    /** {@code relative} under the shared directory; a one-line error naming what to set when it is missing. */
    static Path file(String relative) {
        Path shared = dir();
        if (shared == null) {
            throw new IllegalArgumentException("cannot find the shared directory (oracle/, assets/): set XAI4J_SHARED, "
                    + "or run inside the repository (looked for ../shared beside it from " + Path.of("").toAbsolutePath() + ")");
        }
        Path f = shared.resolve(relative);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("missing shared file " + f + " (set XAI4J_SHARED to the directory holding oracle/ and assets/)");
        }
        return f;
    }

    private static Path dir() {
        String env = System.getenv("XAI4J_SHARED");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(".mvn/maven.config")) && Files.isDirectory(p.resolveSibling("shared"))) {
                return p.resolveSibling("shared");
            }
        }
        return null;
    }
}
