package org.xai4j.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Class names by output index. A labels file has one name per line ({@code goldfish}), or
 * {@code index name} lines as Teachable Machine writes them ({@code 0 Cat}); blank lines are
 * ignored. The 1000 ImageNet names (torchvision / Keras / ONNX model zoo order) ship with the
 * library, so a 1000-way classifier is labelled without any file.
 */
public final class Labels {
    private static final Pattern INDEXED = Pattern.compile("^\\s*(\\d+)\\s+(\\S.*?)\\s*$");
    private static final String IMAGENET = "imagenet_classes.txt";

    private final List<String> names;

    public Labels(List<String> names) {
        this.names = List.copyOf(names);
    }

    /** The name of class {@code index}, or "class &lt;index&gt;" beyond the list. */
    public String name(int index) {
        return index >= 0 && index < names.size() ? names.get(index) : "class " + index;
    }

    public int size() {
        return names.size();
    }

    public List<String> names() {
        return names;
    }

    /** The 1000 ImageNet class names, index 0 "tench" to 999 "toilet tissue". */
    public static Labels imagenet() {
        try (InputStream in = Labels.class.getResourceAsStream(IMAGENET)) {
            if (in == null) {
                throw new IllegalStateException("resource " + IMAGENET + " is missing from the xai4j-engine jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), IMAGENET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Default names for a classifier with {@code classes} outputs: ImageNet for 1000, ImageNet
     * after "background" for 1001 (TF-slim / TFLite models), else "class i".
     */
    public static Labels forClasses(int classes) {
        if (classes == 1000) {
            return imagenet();
        }
        if (classes == 1001) {
            List<String> withBackground = new ArrayList<>(List.of("background"));
            withBackground.addAll(imagenet().names());
            return new Labels(withBackground);
        }
        return new Labels(List.of());
    }

    /** Reads a labels file (either layout in the class comment). */
    public static Labels read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("labels file not found: " + file);
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a labels file; {@code source} names it in errors. */
    public static Labels parse(String text, String source) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\R")) {
            if (!line.isBlank()) {
                lines.add(line.strip());
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(source + ": no labels (expected one name per line, or 'index name' lines)");
        }
        // "index name" only when every line has that shape, so that a name list whose first
        // words happen to be numbers is still read as names.
        if (!lines.stream().allMatch(l -> INDEXED.matcher(l).matches())) {
            return new Labels(lines);
        }
        String[] indexed = new String[lines.size()];
        for (String line : lines) {
            Matcher m = INDEXED.matcher(line);
            m.matches();
            int i = m.group(1).length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(m.group(1));
            if (i >= indexed.length || indexed[i] != null) {
                throw new IllegalArgumentException(source + ": 'index name' lines must number the classes 0.."
                        + (indexed.length - 1) + " once each; bad line: " + line);
            }
            indexed[i] = m.group(2);
        }
        return new Labels(Arrays.asList(indexed));
    }
}
