package org.xai4j.explain.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlPageTest {
    private static final String HOSTILE = "<img src=x onerror=alert(1)> & \"quoted\" 'single'";

    private static HtmlPage page() {
        BufferedImage red = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        red.setRGB(1, 1, 0xFF0000);
        return new HtmlPage("title " + HOSTILE, List.of(
                new HtmlPage.Section("section " + HOSTILE, List.of(
                        new HtmlPage.Paragraph("text " + HOSTILE),
                        new HtmlPage.Table(List.of("name", HOSTILE), List.of(List.of("a", "1.5"), List.of(HOSTILE, "-2e-05"))),
                        new HtmlPage.Section("inner", List.of(new HtmlPage.Preformatted(HOSTILE))))),
                new HtmlPage.Grid(List.of(HtmlPage.picture("caption " + HOSTILE, red))),
                new HtmlPage.Link("all " + HOSTILE, "all.png")));
    }

    @Test
    void escapesEveryText() {
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;&#39;", HtmlPage.escape("<a href=\"x\">&'"));
        String html = page().html();
        assertFalse(html.contains("<img src=x"), "no markup from text");
        assertFalse(html.contains("onerror=alert(1)>"), "text cannot close a tag");
        assertEquals(10, count(html, "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;"),
                "title twice (title element and h1), section, paragraph, table header and cell, preformatted, the "
                        + "picture's alt and caption, the link: " + html);
        assertTrue(html.contains("alt=\"caption &lt;img src=x onerror=alert(1)&gt;"), "attributes too");
        assertTrue(html.contains("<h2>section"), "the first level under the page's h1");
        assertTrue(html.contains("<h3>inner</h3>"), "nested sections one level down");
        assertTrue(html.contains("<td class=\"n\">-2e-05</td>"), "numbers right-aligned");
    }

    @Test
    void hasNoExternalReference() {
        String html = page().html();
        Matcher src = Pattern.compile("(?i)\\b(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
        int pictures = 0;
        while (src.find()) {
            if (src.group(1).equalsIgnoreCase("src")) {
                assertTrue(src.group(2).startsWith("data:image/png;base64,"), "embedded pictures only: " + src.group(2));
                pictures++;
            } else {
                assertFalse(src.group(2).contains(":") || src.group(2).startsWith("//"), "links to files beside the page only: " + src.group(2));
            }
        }
        assertEquals(1, pictures);
        for (String external : List.of("<script", "<link", "@import", "url(", "<iframe", "<object", "http:", "https:")) {
            assertFalse(html.toLowerCase().contains(external), "no " + external);
        }
        assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\""));
        assertThrows(IllegalArgumentException.class, () -> new HtmlPage.Link("x", "https://example.com/x.png"));
        assertThrows(IllegalArgumentException.class, () -> new HtmlPage.Link("x", "javascript:alert(1)"));
        assertThrows(IllegalArgumentException.class, () -> new HtmlPage.Link("x", "//example.com/x.png"));
    }

    @Test
    void picturesDecodeBackToThemselves(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/index.html");
        page().write(file);
        String html = Files.readString(file, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        assertTrue(m.find());
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
        assertEquals(3, back.getWidth());
        assertEquals(0xFF0000, back.getRGB(1, 1) & 0xffffff);
        assertTrue(html.contains("width=\"3\" height=\"2\""));
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
