package org.xai4j.cli;

import java.util.List;
import java.util.Map;

/** The JSON the commands print with --json: maps, lists, strings, numbers, booleans and null. */
final class Json {
    private Json() {}

    static String write(Object value) {
        StringBuilder s = new StringBuilder();
        append(s, value);
        return s.toString();
    }

    private static void append(StringBuilder s, Object v) {
        if (v == null) {
            s.append("null");
        } else if (v instanceof String str) {
            quote(s, str);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            s.append(Double.isFinite(d) ? Double.toString(d) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            s.append(v);
        } else if (v instanceof long[] a) {
            s.append('[');
            for (int i = 0; i < a.length; i++) {
                s.append(i == 0 ? "" : ",").append(a[i]);
            }
            s.append(']');
        } else if (v instanceof Map<?, ?> m) {
            s.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                s.append(first ? "" : ",");
                quote(s, String.valueOf(e.getKey()));
                s.append(':');
                append(s, e.getValue());
                first = false;
            }
            s.append('}');
        } else if (v instanceof List<?> l) {
            s.append('[');
            for (int i = 0; i < l.size(); i++) {
                s.append(i == 0 ? "" : ",");
                append(s, l.get(i));
            }
            s.append(']');
        } else {
            quote(s, v.toString());
        }
    }

    private static void quote(StringBuilder s, String str) {
        s.append('"');
        for (char c : str.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        s.append('"');
    }
}
