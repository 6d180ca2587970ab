package org.xai4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code --input} values of a command as files. A value is a file, a folder (the photos and
 * {@code .npy} tensors directly inside it, by name; other files and hidden ones are left out),
 * or a glob pattern ({@code 'photos/*.jpg'}, {@code 'data/**.png'}) that the shell left
 * unexpanded because it was quoted; an expanded one arrives as several values, which is the same
 * thing. Files are taken in the order given, each once. Every input also gets an output
 * subfolder named after its file name without extension, made unique with {@code _2},
 * {@code _3}, ... in that order (case-insensitively, for file systems that ignore case).
 */
final class InputFiles {
    /** The extensions a folder is searched for (a file named explicitly or by a glob may have any). */
    static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif", "npy");
    private static final String GLOB_CHARACTERS = "*?[{";

    private InputFiles() {}

    /** Whether the values ask for the many-input mode: several values, a folder or a pattern. */
    static boolean many(List<String> values) {
        return values.size() > 1 || values.stream().anyMatch(v -> Files.isDirectory(Path.of(v)) || isPattern(v));
    }

    /** A value with a glob character that is not itself the name of an existing file. */
    static boolean isPattern(String value) {
        return value.chars().anyMatch(c -> GLOB_CHARACTERS.indexOf(c) >= 0) && !Files.exists(Path.of(value));
    }

    /**
     * The files the values name, in order, each once. A file that does not exist is kept (its
     * error belongs to that input alone); a folder with no photo or tensor, or a pattern that
     * matches nothing, is an error of the command line.
     */
    static List<Path> expand(List<String> values) {
        Set<Path> seen = new HashSet<>();
        List<Path> files = new ArrayList<>();
        for (String v : values) {
            Path p = Path.of(v);
            List<Path> found;
            if (Files.isDirectory(p)) {
                found = folder(p);
                if (found.isEmpty()) {
                    throw new IllegalArgumentException("--input " + v + ": the folder holds no photo or tensor (files ending in "
                            + String.join(", ", EXTENSIONS.stream().map(e -> "." + e).toList()) + ")");
                }
            } else if (isPattern(v)) {
                found = glob(v);
                if (found.isEmpty()) {
                    throw new IllegalArgumentException("--input '" + v + "': the pattern matches no file");
                }
            } else {
                found = List.of(p);
            }
            for (Path f : found) {
                if (seen.add(f.toAbsolutePath().normalize())) {
                    files.add(f);
                }
            }
        }
        return files;
    }

    /** A unique subfolder name for each file: its name without extension, then {@code _2}, {@code _3}, ... */
    static Map<Path, String> subfolders(List<Path> files) {
        Set<String> taken = new HashSet<>();
        Map<Path, String> names = new LinkedHashMap<>();
        for (Path f : files) {
            String stem = ExplainCommand.stem(f);
            String name = stem;
            for (int k = 2; !taken.add(name.toLowerCase(Locale.ROOT)); k++) {
                name = stem + "_" + k;
            }
            names.put(f, name);
        }
        return names;
    }

    private static List<Path> folder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> EXTENSIONS.contains(extension(f)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Files matching {@code pattern}, searched from the folder before its first glob character. */
    private static List<Path> glob(String pattern) {
        int first = 0;
        while (GLOB_CHARACTERS.indexOf(pattern.charAt(first)) < 0) {
            first++;
        }
        String separator = FileSystems.getDefault().getSeparator();
        int cut = Math.max(pattern.lastIndexOf('/', first), pattern.lastIndexOf(separator, first));
        Path base = cut < 0 ? Path.of("") : Path.of(cut == 0 ? separator : pattern.substring(0, cut));
        String rest = pattern.substring(cut + 1);
        // Without "**" the pattern's depth bounds the search; Java's glob "*" never crosses a separator.
        int depth = rest.contains("**") ? Integer.MAX_VALUE : (int) rest.chars().filter(c -> c == '/').count() + 1;
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + rest);
        if (!Files.isDirectory(cut < 0 ? Path.of(".") : base)) {
            return List.of();
        }
        Path root = cut < 0 ? Path.of(".") : base;
        try (Stream<Path> s = Files.walk(root, depth, FileVisitOption.FOLLOW_LINKS)) {
            Set<Path> out = new LinkedHashSet<>();
            s.filter(Files::isRegularFile).sorted().forEach(f -> {
                Path relative = root.relativize(f);
                if (matcher.matches(relative)) {
                    out.add(cut < 0 ? relative : base.resolve(relative));
                }
            });
            return List.copyOf(out);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("--input '" + pattern + "': cannot search " + root + ": " + e.getMessage(), e);
        }
    }

    private static String extension(Path f) {
        String name = f.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
