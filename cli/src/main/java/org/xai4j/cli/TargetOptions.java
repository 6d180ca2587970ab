package org.xai4j.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.xai4j.engine.io.Labels;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --target CLASS|NAME|top}, repeatable or a comma list: the classes a command explains
 * (use it as a picocli mixin). A whole number is a class index; {@code top} the predicted class;
 * anything else a label name, matched exactly but ignoring case against the labels in use
 * ({@link LabelOptions}). Several targets write each one's files in a subfolder
 * {@code <class>_<label>} ({@link #folder}); one target writes them where it always did.
 */
final class TargetOptions {
    static final String TOP = "top";
    private static final int CLOSE_MATCHES = 5;

    @Option(names = "--target", paramLabel = "CLASS|NAME|top", defaultValue = TOP, split = ",", converter = Item.class,
            description = {"The class explained: an index from 0, a label name (case-insensitive, e.g. \"tiger cat\"), "
                    + "or top (default) for the predicted class. Several: repeat --target or give a comma list "
                    + "(243,\"tiger cat\"); each target's files then go to a subfolder <class>_<label> of the output folder."})
    List<String> values;

    /** A target that names no class: fatal for the whole run, not for one input. */
    static final class Unresolved extends IllegalArgumentException {
        Unresolved(String message) {
            super(message);
        }
    }

    /** The targets as typed, each once. */
    List<String> requested() {
        return List.copyOf(new LinkedHashSet<>(values));
    }

    boolean several() {
        return requested().size() > 1;
    }

    /**
     * The class of each requested target, -1 for {@code top}: indices checked against
     * {@code classes}, names looked up in {@code labels}. {@code logits} names the output in errors.
     */
    int[] resolve(Labels labels, int classes, String logits) {
        List<String> asked = requested();
        int[] out = new int[asked.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = resolve(asked.get(i), labels, classes, logits);
        }
        return out;
    }

    /** How a target was asked for, for the records: "top", "243" or the name as typed. */
    static boolean isIndex(String v) {
        return v.chars().allMatch(Character::isDigit);
    }

    private static int resolve(String v, Labels labels, int classes, String logits) {
        if (v.equals(TOP)) {
            return -1;
        }
        if (isIndex(v)) {
            int c = v.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(v);
            if (c >= classes) {
                throw new Unresolved("--target " + v + " is out of range: '" + logits + "' has " + classes + " classes (0.."
                        + (classes - 1) + ")");
            }
            return c;
        }
        List<String> names = labels.names();
        if (names.isEmpty()) {
            throw new Unresolved("--target \"" + v + "\": the model's " + classes + " classes have no names; give an index "
                    + "0.." + (classes - 1) + " or name them with --labels FILE");
        }
        String key = v.toLowerCase(Locale.ROOT);
        int[] hits = IntStream.range(0, names.size()).filter(i -> names.get(i).toLowerCase(Locale.ROOT).equals(key)).toArray();
        if (hits.length == 1) {
            return hits[0];
        }
        if (hits.length > 1) {
            throw new Unresolved("--target \"" + v + "\" is ambiguous: classes " + IntStream.of(hits).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", ")) + " are all named '" + names.get(hits[0]) + "'; give the index");
        }
        List<Integer> close = IntStream.range(0, names.size()).boxed()
                .filter(i -> closeTo(key, names.get(i).toLowerCase(Locale.ROOT)))
                .sorted(Comparator.comparingInt(i -> distance(key, names.get(i).toLowerCase(Locale.ROOT))))
                .limit(CLOSE_MATCHES).toList();
        throw new Unresolved("--target \"" + v + "\" is not a label of this model (matched ignoring case)"
                + (close.isEmpty() ? "; give a class index or an exact label (xai4j predict prints them)"
                        : "; close: " + close.stream().map(i -> i + " " + names.get(i)).collect(Collectors.joining(", "))));
    }

    /** "243_bull_mastiff": the subfolder of one target's files when there are several. */
    static String folder(int c, String label) {
        String slug = label.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", "_").replaceAll("^_|_$", "");
        return slug.isEmpty() || slug.equals("class_" + c) ? Integer.toString(c) : c + "_" + slug;
    }

    /** One label contains the other, or they are a few edits apart (a typo). */
    private static boolean closeTo(String asked, String label) {
        return label.contains(asked) || asked.contains(label) || distance(asked, label) <= Math.max(2, asked.length() / 4);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = IntStream.rangeClosed(0, b.length()).toArray();
        for (int i = 1; i <= a.length(); i++) {
            int[] row = new int[b.length() + 1];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                row[j] = Math.min(substitute, Math.min(previous[j], row[j - 1]) + 1);
            }
            previous = row;
        }
        return previous[b.length()];
    }

    /** A class index from 0, a label name, or top. */
    static final class Item implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.strip();
            if (v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2) {
                v = v.substring(1, v.length() - 1).strip();
            }
            if (v.equalsIgnoreCase(TOP)) {
                return TOP;
            }
            if (v.isEmpty() || v.matches("[-+][0-9]+")) {
                throw new TypeConversionException("expected a class index (0, 1, ...), a label name or top, got '" + value + "'");
            }
            return v;
        }
    }
}
