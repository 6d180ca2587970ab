package org.xai4j.explain.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A self-contained HTML page: one file that can be mailed or opened offline. Pictures are
 * embedded as base64 {@code data:} URIs, the style sheet is inline, there is no JavaScript, and a
 * Content-Security-Policy ({@code default-src 'none'; img-src data:; style-src 'unsafe-inline'})
 * makes the browser refuse anything else. All text is escaped ({@link #escape}).
 *
 * <p>A page is a title and a list of {@link Block}s: sections with headings (nested sections get
 * smaller headings), paragraphs, tables, grids of pictures with captions, preformatted text and
 * links to files beside the page.
 * <pre>
 *   new HtmlPage("Grad-CAM of zebra.jpg", List.of(
 *       new HtmlPage.Section("Prediction", List.of(new HtmlPage.Table(List.of("class", "p"), rows))),
 *       new HtmlPage.Grid(List.of(HtmlPage.picture("gradcam", image))))).write(dir.resolve("index.html"));
 * </pre>
 */
public record HtmlPage(String title, List<Block> blocks) {

    public HtmlPage {
        blocks = List.copyOf(blocks);
    }

    /** A part of a page. */
    public sealed interface Block permits Section, Paragraph, Table, Grid, Preformatted, Link {}

    /** A heading and what follows it. */
    public record Section(String heading, List<Block> blocks) implements Block {
        public Section {
            blocks = List.copyOf(blocks);
        }
    }

    public record Paragraph(String text) implements Block {}

    /** A table; cells that are numbers are right-aligned. Rows may be shorter than the header. */
    public record Table(List<String> header, List<List<String>> rows) implements Block {
        public Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
        }
    }

    /** Pictures side by side, as many per row as the window fits. */
    public record Grid(List<Picture> pictures) implements Block {
        public Grid {
            pictures = List.copyOf(pictures);
        }
    }

    public record Preformatted(String text) implements Block {}

    /** A link to a file beside the page (a relative path: no scheme, no host). */
    public record Link(String text, String href) implements Block {
        public Link {
            if (href.isEmpty() || href.startsWith("//") || href.matches("(?s)^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
                throw new IllegalArgumentException("a page links only to files beside it (a relative path), got '" + href + "'");
            }
        }
    }

    /** A PNG with its caption and size in pixels; {@link #picture} encodes one. */
    public record Picture(String caption, byte[] png, int width, int height) {}

    /** The picture as a PNG. */
    public static Picture picture(String caption, BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IOException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the picture '" + caption + "': " + e.getMessage(), e);
        }
        return new Picture(caption, bytes.toByteArray(), image.getWidth(), image.getHeight());
    }

    private static final String STYLE = """
            body{font-family:sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#222}
            h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc}h3,h4{font-size:1.05em}
            table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
            th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
            .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1em}
            figure{margin:0}img{max-width:100%;height:auto;display:block}figcaption{font-size:.9em;color:#444}
            pre{background:#f6f6f6;padding:.5em;overflow-x:auto}
            """;

    /** The whole page as text. */
    public String html() {
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        s.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n");
        s.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        s.append("<title>").append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        s.append("<h1>").append(escape(title)).append("</h1>\n");
        for (Block b : blocks) {
            append(s, b, 2);
        }
        return s.append("</body>\n</html>\n").toString();
    }

    /** Writes the page in UTF-8, creating the parent directory; a one-line error if it cannot. */
    public void write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, html(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void append(StringBuilder s, Block block, int level) {
        // Java 17 has no pattern switch; the sealed interface still lists every case in one place.
        if (block instanceof Section x) {
            int h = Math.min(level, 6);
            s.append("<section>\n<h").append(h).append('>').append(escape(x.heading())).append("</h").append(h).append(">\n");
            for (Block b : x.blocks()) {
                append(s, b, level + 1);
            }
            s.append("</section>\n");
        } else if (block instanceof Paragraph x) {
            s.append("<p>").append(escape(x.text())).append("</p>\n");
        } else if (block instanceof Table x) {
            s.append("<table>\n<tr>");
            x.header().forEach(c -> s.append("<th>").append(escape(c)).append("</th>"));
            s.append("</tr>\n");
            for (List<String> row : x.rows()) {
                s.append("<tr>");
                row.forEach(c -> s.append(isNumber(c) ? "<td class=\"n\">" : "<td>").append(escape(c)).append("</td>"));
                s.append("</tr>\n");
            }
            s.append("</table>\n");
        } else if (block instanceof Grid x) {
            s.append("<div class=\"grid\">\n");
            for (Picture p : x.pictures()) {
                s.append("<figure><img alt=\"").append(escape(p.caption())).append("\" width=\"").append(p.width())
                        .append("\" height=\"").append(p.height()).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(p.png())).append("\">")
                        .append("<figcaption>").append(escape(p.caption())).append("</figcaption></figure>\n");
            }
            s.append("</div>\n");
        } else if (block instanceof Preformatted x) {
            s.append("<pre>").append(escape(x.text())).append("</pre>\n");
        } else if (block instanceof Link x) {
            s.append("<p><a href=\"").append(escape(x.href())).append("\">").append(escape(x.text())).append("</a></p>\n");
        }
    }

    /** Text safe in an element or a quoted attribute: {@code & < > " '} as character references. */
    public static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> s.append("&amp;");
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> s.append(c);
            }
        }
        return s.toString();
    }

    private static boolean isNumber(String cell) {
        return cell.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?([eE][-+]?[0-9]+)?( ms| %)?");
    }
}
