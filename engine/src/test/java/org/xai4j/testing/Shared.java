package org.xai4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the material beside the repository ({@code ../shared}: assets, oracle fixtures).
 * {@code XAI4J_SHARED} overrides the location. Outside CI a missing file skips the test; with
 * {@code CI=true} it fails, so a CI run can never pass by skipping.
 */
public final class Shared {
    private Shared() {}

    /** The shared directory, or null when it cannot be found. */
    public static Path dir() {
        String env = System.getenv("XAI4J_SHARED");
        if (env != null && !env.isBlank()) {
            return Paths.get(env).toAbsolutePath();
        }
        Path p = Paths.get("").toAbsolutePath();
        while (p != null) {
            if (Files.isRegularFile(p.resolve(".mvn/maven.config")) && Files.isDirectory(p.resolveSibling("shared"))) {
                return p.resolveSibling("shared");
            }
            p = p.getParent();
        }
        return null;
    }

    /** {@code dir()/relative}, or skip (fail under CI=true) when it is missing. */
    public static Path require(String relative) {
        Path d = dir();
        Path f = d == null ? null : d.resolve(relative);
        if (f == null || !Files.exists(f)) {
            String why = "shared file missing: " + relative + " (looked in " + d + "; set XAI4J_SHARED)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.assumeTrue(false, why);
        }
        return f;
    }
}
