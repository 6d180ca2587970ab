package org.xai4j.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium in headless mode, to check a page as a reader's browser shows it: every
 * picture decodes (naturalWidth above 0), nothing reaches the console (a refused external
 * resource, a script error), and a screenshot. Outside CI a missing {@code chromium} skips the
 * test; with {@code CI=true} it fails ({@code .ci/run} installs it).
 *
 * <p>The pages carry no script, so the check runs on a copy with one script added before
 * {@code </body>} (and {@code script-src 'unsafe-inline'} added to the page's
 * Content-Security-Policy, every other directive kept): on load it writes
 * {@code images N broken M [alts]} into the DOM, which {@code --dump-dom} prints.
 */
final class Chromium {
    private Chromium() {}

    /** What the browser saw: pictures, the broken ones (their alt text), every console line. */
    record Check(int images, List<String> broken, List<String> console) {}

    private static final String SCRIPT = "<script>addEventListener('load', () => {"
            + "const all = [...document.images];"
            + "const broken = all.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt);"
            + "const p = document.createElement('pre'); p.id = 'xai4j-check';"
            + "p.textContent = 'images ' + all.length + ' broken ' + broken.length + ' ' + JSON.stringify(broken);"
            + "document.body.appendChild(p);});</script>";

    /** The chromium executable, or skip (fail under CI=true) when there is none. */
    static Path require() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        String why = "chromium not found on PATH (apt-get install chromium)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(why);
        }
        Assumptions.assumeTrue(false, why);
        return null;
    }

    /** Loads {@code page} and reports its pictures and console. */
    static Check check(Path page) throws IOException, InterruptedException {
        String html = Files.readString(page, StandardCharsets.UTF_8);
        if (!html.contains("</body>")) {
            throw new AssertionError(page + " has no </body>");
        }
        String checked = html.replace("style-src 'unsafe-inline'", "style-src 'unsafe-inline'; script-src 'unsafe-inline'")
                .replace("</body>", SCRIPT + "</body>");
        Path copy = Files.createTempFile(page.toAbsolutePath().getParent(), "chromium-check", ".html");
        try {
            Files.writeString(copy, checked, StandardCharsets.UTF_8);
            Run r = run("--virtual-time-budget=10000", "--dump-dom", copy.toUri().toString());
            Matcher m = Pattern.compile("images (\\d+) broken (\\d+) \\[(.*)]</pre>").matcher(r.out());
            if (!m.find()) {
                throw new AssertionError("chromium printed no check result for " + page + "; stderr:\n" + r.err());
            }
            List<String> broken = m.group(3).isEmpty() ? List.of() : List.of(m.group(3).split(","));
            return new Check(Integer.parseInt(m.group(1)), broken, console(r.err()));
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** A screenshot of the page's top {@code width x height} pixels, as a PNG. */
    static void screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
        Run r = run("--hide-scrollbars", "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(),
                page.toUri().toString());
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new AssertionError("chromium wrote no screenshot of " + page + "; stderr:\n" + r.err());
        }
    }

    /** The page's console messages: chromium logs them as {@code INFO:CONSOLE(line)] "message", source: ...}. */
    static List<String> console(String stderr) {
        return stderr.lines().filter(l -> l.contains(":CONSOLE")).toList();
    }

    private record Run(String out, String err) {}

    private static Run run(String... args) throws IOException, InterruptedException {
        Path exe = require();
        List<String> command = new java.util.ArrayList<>(List.of(exe.toString(), "--headless=new", "--disable-gpu",
                "--no-sandbox", "--enable-logging=stderr", "--v=0"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("chromium", ".out");
        Path err = Files.createTempFile("chromium", ".err");
        // A profile of its own: two runs sharing the default one wait on its lock.
        Path profile = Files.createTempDirectory("chromium-profile");
        command.add(1, "--user-data-dir=" + profile);
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium took over 120 s: " + command);
            }
            return new Run(Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
