package org.xai4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xai4j.testing.Shared;

/** Damaged photos are refused with the file and the damage named; every real photo still reads. */
class ImageDamageTest {
    @TempDir
    Path dir;

    private static void refused(Path f, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Images.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void everySharedPhotoIsAccepted() throws IOException {
        Path images = Shared.require("assets/images");
        try (Stream<Path> files = Files.list(images)) {
            for (Path f : files.sorted().toList()) {
                Images.read(f);
            }
        }
    }

    @Test
    void jpegCutShortIsRefused() throws IOException {
        byte[] b = Files.readAllBytes(Shared.require("assets/images/zebra.jpg"));
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(b, b.length * 7 / 10));
        refused(cut, "end-of-image marker");
    }

    @Test
    void pngWithABadChecksumOrCutShortIsRefused() throws IOException {
        byte[] b = Files.readAllBytes(Shared.require("assets/images/skimage_coffee.png"));
        byte[] flipped = b.clone();
        // Inside the first IDAT chunk's data, far from the header chunks.
        flipped[b.length / 2] ^= 0x10;
        Path crc = dir.resolve("crc.png");
        Files.write(crc, flipped);
        refused(crc, "fails its CRC-32 checksum");
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(b, b.length * 7 / 10));
        refused(cut, "truncated");
    }

    @Test
    void aHeaderClaimingAHugeImageIsRefusedBeforeDecoding() throws IOException {
        byte[] b = Files.readAllBytes(Shared.require("assets/images/skimage_coffee.png"));
        // IHDR width and height at bytes 16..23, then its CRC at 29..32: rewrite all three.
        java.nio.ByteBuffer.wrap(b, 16, 8).putInt(100000).putInt(100000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 12, 17);
        java.nio.ByteBuffer.wrap(b, 29, 4).putInt((int) crc.getValue());
        Path huge = dir.resolve("huge.png");
        Files.write(huge, b);
        refused(huge, "100000x100000 pixels");
    }
}
