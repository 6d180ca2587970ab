package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@link Main} in-process and captures what a user would see. */
final class Cli {
    private Cli() {}

    record Result(int exit, String out, String err) {
        /** Fails unless the run succeeded; shows stderr otherwise. */
        Result ok() {
            assertEquals(0, exit, "exit code; stderr: " + err + "\nstdout: " + out);
            return this;
        }

        /** Fails unless the run failed with exactly one "xai4j: error: ..." line containing every part. */
        Result error(String... parts) {
            assertNotEquals(0, exit, "should fail; stdout: " + out);
            String line = err.strip();
            assertEquals(1, line.lines().count(), "one line on stderr, got:\n" + err);
            assertTrue(line.startsWith("xai4j: error: "), line);
            assertTrue(!line.contains("Exception") && !line.contains("\tat "), "no exception names or stack: " + line);
            for (String p : parts) {
                assertTrue(line.contains(p), "'" + line + "' should mention '" + p + "'");
            }
            return this;
        }

        /** The first JSON number after {@code "key":} in stdout. */
        double number(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(-?[0-9.eE+-]+)").matcher(out);
            assertTrue(m.find(), key + " in " + out);
            return Double.parseDouble(m.group(1));
        }

        /** The first JSON string after {@code "key":} in stdout. */
        String string(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\"([^\"]*)\"").matcher(out);
            assertTrue(m.find(), key + " in " + out);
            return m.group(1);
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Main.run(args, o, e);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
