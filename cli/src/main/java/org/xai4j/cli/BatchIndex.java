package org.xai4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The index of a many-input run: {@code DIR/index.json} (what the run was, then one record per
 * input, in input order: its file, its subfolder, the top class, what was written, or its error)
 * and {@code DIR/index.html} ({@link IndexPage}). An input that fails is one line on stderr,
 * {@code xai4j: error: <file>: <why>}, and a record with {@code "error"}; the run goes on and
 * ends with exit code {@value #SOME_FAILED}.
 */
final class BatchIndex {
    /** The exit code of a many-input run in which any input failed (the others' results are written). */
    static final int SOME_FAILED = 3;

    private final String command;
    private final Path dir;
    private final Map<String, Object> run;
    private final List<Map<String, Object>> records = new ArrayList<>();
    private final long start = System.nanoTime();
    private int failed;

    /** {@code run}: what every record shares (model, preprocessing, methods, targets). */
    BatchIndex(String command, Path dir, Map<String, Object> run) {
        this.command = command;
        this.dir = dir;
        this.run = new LinkedHashMap<>(run);
    }

    Path dir() {
        return dir;
    }

    /** A record for {@code file}, written to its {@code subfolder}; the caller fills in what it made. */
    Map<String, Object> add(Path file, String subfolder) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", file.toString());
        r.put("subfolder", subfolder);
        r.put("error", null);
        records.add(r);
        return r;
    }

    /** Marks {@code record} failed and says so on stderr in one line. */
    void fail(Map<String, Object> record, Throwable e, PrintWriter err) {
        String why = Main.describe(e);
        String file = (String) record.get("file");
        record.put("error", why);
        failed++;
        err.println("xai4j: error: " + (why.contains(file) ? why : file + ": " + why));
        err.flush();
    }

    int failed() {
        return failed;
    }

    int size() {
        return records.size();
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Writes index.json and index.html; returns the exit code of the run. */
    int finish(PrintWriter out) {
        return finish(out, false);
    }

    /** As {@link #finish(PrintWriter)}; with {@code json} the index itself is printed instead of the summary. */
    int finish(PrintWriter out, boolean json) {
        double seconds = seconds();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("command", command);
        j.putAll(run);
        j.put("inputs", records.size());
        j.put("failed", failed);
        j.put("seconds", Math.round(seconds * 100) / 100.0);
        j.put("inputs_per_second", Math.round(records.size() / seconds * 100) / 100.0);
        j.put("records", records);
        Path file = dir.resolve("index.json");
        Path html = dir.resolve("index.html");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, Json.write(j) + "\n");
            Files.writeString(html, IndexPage.html(command, dir, run, records));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the index in " + dir + ": " + e.getMessage(), e);
        }
        if (json) {
            out.println(Json.write(j));
            out.flush();
            return failed > 0 ? SOME_FAILED : 0;
        }
        out.println();
        out.printf(Locale.ROOT, "%d inputs in %.1f s (%.2f per second), %d failed%n", records.size(), seconds,
                records.size() / seconds, failed);
        out.println("index:  " + file + ", " + html);
        out.flush();
        return failed > 0 ? SOME_FAILED : 0;
    }
}
