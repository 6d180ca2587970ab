package org.xai4j.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code index.html} of a many-input run: one table row per input with its file, top class,
 * error, and the pictures it made, linked by relative paths (so the page works offline while it
 * stays beside its subfolders). Plain HTML with an inline style sheet, no script and nothing
 * fetched from elsewhere. Kept apart from the commands so that a richer page writer can replace
 * it in one place.
 */
final class IndexPage {
    private IndexPage() {}

    /** The page for {@code records} written in {@code dir}; each record's {@code pictures} are paths relative to dir. */
    static String html(String command, Path dir, Map<String, Object> run, List<Map<String, Object>> records) {
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>xai4j ").append(escape(command))
                .append("</title>\n<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}"
                        + "img{width:160px;display:block}.error{color:#b00}figure{display:inline-block;margin:2px}"
                        + "figcaption{font-size:small}</style></head><body>\n");
        s.append("<h1>xai4j ").append(escape(command)).append("</h1>\n<p>");
        run.forEach((k, v) -> {
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                s.append("<b>").append(escape(k)).append("</b>: ").append(escape(String.valueOf(v))).append("<br>\n");
            }
        });
        s.append("</p>\n<table><tr><th>input</th><th>top class</th><th>results</th></tr>\n");
        for (Map<String, Object> r : records) {
            s.append("<tr><td>").append(escape(String.valueOf(r.get("file")))).append("</td><td>");
            if (r.get("top") instanceof Map<?, ?> top) {
                s.append(escape(top.get("class") + " " + top.get("label"))).append(String.format(java.util.Locale.ROOT,
                        "<br>%.4f", ((Number) top.get("probability")).doubleValue()));
            }
            s.append("</td><td>");
            if (r.get("error") != null) {
                s.append("<span class=\"error\">").append(escape(String.valueOf(r.get("error")))).append("</span>");
            } else if (r.get("pictures") instanceof List<?> pictures) {
                for (Object p : pictures) {
                    String path = String.valueOf(p);
                    String link = relativeUri(path);
                    s.append("<figure><a href=\"").append(link).append("\"><img src=\"").append(link).append("\" alt=\"")
                            .append(escape(path)).append("\"></a><figcaption>").append(escape(path)).append("</figcaption></figure>");
                }
            }
            s.append("</td></tr>\n");
        }
        return s.append("</table>\n</body></html>\n").toString();
    }

    /** A relative path as a URI reference: each segment percent-encoded (spaces, '#', '?' and non-ASCII names). */
    static String relativeUri(String path) {
        StringBuilder u = new StringBuilder();
        for (String segment : path.replace('\\', '/').split("/")) {
            if (u.length() > 0) {
                u.append('/');
            }
            try {
                u.append(new URI(null, null, segment, null).getRawPath().replace(":", "%3A"));
            } catch (java.net.URISyntaxException e) {
                u.append(segment);
            }
        }
        return escape(u.toString());
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
