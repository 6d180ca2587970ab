package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.xai4j.explain.Methods;
import org.xai4j.explain.image.HtmlPage;
import org.xai4j.testing.Shared;

/**
 * What {@code explain} draws and the page it writes, looked at in a real browser (Debian's
 * Chromium, headless): every picture decodes, nothing reaches the console. The photo is 700x411,
 * so a squashed overlay would show.
 */
class ExplainPageTest {
    private static final String MODEL = "assets/models/mobilenet_v2_1.0_224_imagenet.onnx";
    private static final String PHOTO = "assets/images/dog_and_cat_white_background.jpg";

    @TempDir
    Path dir;

    @Test
    void everyMethodOnAPhotoMakesAPageChromiumShowsWhole() throws Exception {
        Path chromium = Chromium.require();
        Cli.Result r = Cli.run("explain", "--model", Shared.require(MODEL).toString(), "--input", Shared.require(PHOTO).toString(),
                "--preprocess", "inception", "--method", "all", "--steps", "2", "--samples", "3", "--masks", "20", "--out", dir.toString()).ok();
        assertTrue(r.out().contains("page:   " + dir.resolve("index.html")), r.out());

        // CAM and Grad-CAM before MobileNetV2's global average pooling and linear head: Grad-CAM = CAM / (7 * 7).
        JsonNode gradCam = ExplainFiles.json(dir.resolve("gradcam.json"));
        assertEquals("cam", gradCam.get("same_as").asText());
        assertEquals(1 / 49.0, gradCam.get("same_as_scale").asDouble(), 1e-6 / 49, "float32 rounding, 1.7e-7 measured");
        assertFalse(ExplainFiles.json(dir.resolve("cam.json")).has("same_as"));
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("gradcam ") && l.contains("same map as cam")), r.out());

        JsonNode saliency = ExplainFiles.json(dir.resolve("saliency.json")).get("picture");
        assertEquals("rdbu_r", saliency.get("colormap").asText());
        assertEquals("signed", saliency.get("sign").asText());
        assertEquals(-saliency.get("range").get(1).asDouble(), saliency.get("range").get(0).asDouble(), 0, "centred at 0");
        JsonNode cam = ExplainFiles.json(dir.resolve("cam.json")).get("picture");
        assertEquals("jet", cam.get("colormap").asText());

        // The photo at its own aspect ratio: 700x411 scaled to 640 wide is 640x376, with title and bar around it.
        BufferedImage ig = ImageIO.read(dir.resolve("ig.png").toFile());
        assertTrue(ig.getWidth() >= 640 && ig.getWidth() <= 660 && ig.getHeight() > 376 && ig.getHeight() < 376 + 160,
                "ig.png: " + ig.getWidth() + "x" + ig.getHeight());
        BufferedImage all = ImageIO.read(dir.resolve("all.png").toFile());
        assertTrue(all.getWidth() <= ExplainFigures.GRID_WIDTH && all.getHeight() <= ExplainFigures.GRID_HEIGHT,
                "all.png reads on one screen: " + all.getWidth() + "x" + all.getHeight());

        Chromium.Check check = Chromium.check(dir.resolve("index.html"));
        System.out.printf("explain page: %s, %d pictures, %d broken, %d console lines, %d bytes%n", chromium, check.images(),
                check.broken().size(), check.console().size(), Files.size(dir.resolve("index.html")));
        assertEquals(Methods.ALL.size() + 1, check.images(), "the input and every method's picture");
        assertEquals(List.of(), check.broken());
        assertEquals(List.of(), check.console());
        Path shot = dir.resolve("screenshot.png");
        Chromium.screenshot(dir.resolve("index.html"), shot, 1400, 2000);
        BufferedImage screen = ImageIO.read(shot.toFile());
        assertEquals(1400, screen.getWidth());
    }

    @Test
    void theBrowserCheckSeesABrokenPictureAndARefusedResource() throws Exception {
        Chromium.require();
        Path page = dir.resolve("broken.html");
        // A picture whose bytes are no PNG, and one that is fine.
        new HtmlPage("broken", List.of(new HtmlPage.Grid(List.of(
                new HtmlPage.Picture("not a png", new byte[] {1, 2, 3}, 10, 10),
                HtmlPage.picture("fine", new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB)))))).write(page);
        Chromium.Check check = Chromium.check(page);
        assertEquals(2, check.images());
        assertEquals(List.of("\"not a png\""), check.broken());
        assertEquals(List.of(), check.console());

        // An external picture written into the page by hand: the page's policy refuses it, on the console.
        Path external = dir.resolve("external.html");
        Files.writeString(external, Files.readString(page).replace("<h1>", "<img alt=\"far\" src=\"https://example.com/x.png\"><h1>"));
        Chromium.Check refused = Chromium.check(external);
        assertEquals(List.of("\"far\"", "\"not a png\""), refused.broken(), "in the page's order");
        assertTrue(refused.console().stream().anyMatch(l -> l.contains("Content Security Policy")), refused.console().toString());
    }

    @Test
    void pictureOptionsAreRecordedAndBadOnesRefused() {
        String model = Shared.require(MODEL).toString();
        String photo = Shared.require(PHOTO).toString();
        Cli.run("explain", "--model", model, "--input", photo, "--preprocess", "inception", "--method", "saliency",
                "--sign", "abs", "--colormap", "viridis", "--clip", "0,100", "--alpha", "0.3", "--out", dir.toString()).ok();
        JsonNode picture = ExplainFiles.json(dir.resolve("saliency.json")).get("picture");
        assertEquals("viridis", picture.get("colormap").asText());
        assertEquals("abs", picture.get("sign").asText());
        assertEquals(0.3, picture.get("alpha").asDouble(), 0);
        assertTrue(picture.get("range").get(0).asDouble() >= 0, "max_c |g| is never negative: " + picture);
        assertTrue(Files.isRegularFile(dir.resolve("all.png")) && Files.isRegularFile(dir.resolve("index.html")));

        String[] base = {"explain", "--model", model, "--input", photo, "--method", "saliency"};
        Cli.run(concat(base, "--clip", "5")).error("--clip", "LOW,HIGH", "1,99");
        Cli.run(concat(base, "--clip", "99,1")).error("--clip", "0 <= LOW < HIGH <= 100");
        Cli.run(concat(base, "--colormap", "rainbow")).error("--colormap", "rainbow", "viridis", "rdbu_r");
        Cli.run(concat(base, "--alpha", "1.5")).error("--alpha", "0 to 1");
        Cli.run(concat(base, "--sign", "negative")).error("--sign", "signed, abs, positive");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
