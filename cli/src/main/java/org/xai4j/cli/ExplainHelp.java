package org.xai4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.stream.Collectors;
import org.xai4j.explain.Method;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Parameter;
import org.xai4j.explain.Segmentation;

/**
 * The parts of {@code xai4j explain --help} that come from the method catalogue, as a resource
 * bundle that picocli reads through {@code ${bundle:KEY}} in {@link ExplainCommand}'s annotations
 * (annotations can only hold constants): {@code methods} (the list after the options),
 * {@code method.names}, and per shared parameter {@code users.KEY} (the methods that take it) and
 * {@code limit.KEY}.
 */
public final class ExplainHelp extends ListResourceBundle {
    // picocli's default usage width.
    private static final int WIDTH = 80;

    @Override
    protected Object[][] getContents() {
        List<Object[]> entries = new ArrayList<>();
        entries.add(new Object[] {"method.names", Methods.names()});
        entries.add(new Object[] {"methods", methods()});
        entries.add(new Object[] {"surrogate.samples", Integer.toString(Methods.SURROGATE_SAMPLES)});
        entries.add(new Object[] {"slic.superpixels", Integer.toString(Segmentation.DEFAULT_SUPERPIXELS)});
        entries.add(new Object[] {"slic.compactness", Double.toString(Segmentation.DEFAULT_COMPACTNESS)});
        for (Parameter p : Parameter.values()) {
            entries.add(new Object[] {"users." + p.key(), Methods.taking(p).stream().map(Method::name).collect(Collectors.joining(", "))});
            entries.add(new Object[] {"limit." + p.key(), Long.toString(p.limit())});
        }
        return entries.toArray(Object[][]::new);
    }

    /**
     * Per method: name, title, what it shows, the options it reads; wrapped here with a hanging
     * indent, since picocli wraps a footer's long lines back to the first column.
     */
    static String methods() {
        int width = Methods.ALL.stream().mapToInt(m -> m.name().length()).max().orElse(0);
        return Methods.ALL.stream().map(m -> {
            String options = m.parameters().stream().map(Parameter::option).collect(Collectors.joining(" "));
            String text = m.title() + ": " + m.summary() + (options.isEmpty() ? "" : " [" + options + "]");
            return wrap(String.format("  %-" + width + "s  ", m.name()), text);
        }).collect(Collectors.joining("%n"));
    }

    private static String wrap(String first, String text) {
        StringBuilder s = new StringBuilder(first);
        int column = first.length();
        String indent = " ".repeat(first.length());
        for (String word : text.split(" ")) {
            if (column > indent.length() && column + 1 + word.length() > WIDTH) {
                s.append("%n").append(indent);
                column = indent.length();
            } else if (column > indent.length()) {
                s.append(' ');
                column++;
            }
            s.append(word);
            column += word.length();
        }
        return s.toString();
    }
}
