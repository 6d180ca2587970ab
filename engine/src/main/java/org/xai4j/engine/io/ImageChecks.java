package org.xai4j.engine.io;

import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Structural checks of image files before they are decoded, for the damage ImageIO passes over
 * in silence, and the size check that keeps a header's claim from exhausting the heap.
 */
final class ImageChecks {
    private ImageChecks() {}

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** What is wrong with a PNG or JPEG file's structure, or null (also for other formats). */
    static String damage(byte[] b) {
        if (startsWith(b, PNG)) {
            return png(b);
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return jpeg(b);
        }
        return null;
    }

    /**
     * Every chunk (length, type, data, CRC-32 of type and data) must be whole with a matching
     * checksum, up to IEND. Java's PNG reader does not verify checksums at all.
     */
    private static String png(byte[] b) {
        int p = PNG.length;
        while (true) {
            if (p + 8 > b.length) {
                return "the file ends before its IEND chunk (truncated)";
            }
            long length = readInt(b, p) & 0xffffffffL;
            String type = new String(b, p + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (length > b.length - p - 12L) {
                return "chunk '" + type + "' at byte " + p + " runs past the end of the file (truncated)";
            }
            CRC32 crc = new CRC32();
            crc.update(b, p + 4, 4 + (int) length);
            int stored = readInt(b, p + 8 + (int) length);
            if ((int) crc.getValue() != stored) {
                return "chunk '" + type + "' at byte " + p + " fails its CRC-32 checksum";
            }
            p += 12 + (int) length;
            if (type.equals("IEND")) {
                return null;
            }
        }
    }

    /**
     * The image's last scan must end in an EOI marker (FF D9). Scan data cannot hold a marker
     * (an FF in it is followed by 00 or a restart code), so an EOI after the last start-of-scan
     * marker (FF DA) is the decoder's end of data; an embedded thumbnail's EOI comes before the
     * main image's scans and does not count. Java's JPEG reader fills a cut-off image with grey.
     */
    private static String jpeg(byte[] b) {
        int lastScan = -1;
        for (int i = 0; i + 1 < b.length; i++) {
            if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xda) {
                lastScan = i;
            }
        }
        if (lastScan < 0) {
            return "no start-of-scan marker: the file holds no image data";
        }
        for (int i = lastScan + 2; i + 1 < b.length; i++) {
            if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xd9) {
                return null;
            }
        }
        return "the image data ends without an end-of-image marker (truncated)";
    }

    /**
     * Decoding keeps the raster (up to 4 bytes a pixel) and its float planes (12) in the heap at
     * once, so a header's width x height is refused when 16 bytes a pixel exceed half the heap,
     * or when the planes would not fit a Java array.
     */
    static void checkSize(Path file, int width, int height) {
        long pixels = (long) width * height;
        long need = 16 * pixels;
        long heap = Runtime.getRuntime().maxMemory();
        if (3 * pixels > Integer.MAX_VALUE - 8 || need > heap / 2) {
            throw new IllegalArgumentException(file + ": the image is " + width + "x" + height + " pixels, which needs about "
                    + need / (1 << 20) + " MiB of Java heap to decode; the heap is " + heap / (1 << 20) + " MiB (raise it with "
                    + "XAI4J_JAVA_OPTS=-Xmx...), or resize the image first");
        }
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        int n = prefix.length;
        return b.length >= n && java.util.Arrays.equals(b, 0, n, prefix, 0, n);
    }

    private static int readInt(byte[] b, int p) {
        return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }
}
