package org.xai4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.testing.Shared;

class ImagesTest {
    @TempDir
    Path dir;

    private Path png(BufferedImage image, String name) throws IOException {
        Path f = dir.resolve(name);
        ImageIO.write(image, "png", f.toFile());
        return f;
    }

    @Test
    void pixelsComeOutAsRgbPlanes() throws IOException {
        BufferedImage im = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        im.setRGB(0, 0, 0xff0080);   // R 255, G 0, B 128
        im.setRGB(2, 1, 0x102030);
        INDArray x = Images.rgb(Images.read(png(im, "p.png")));
        assertArrayEquals(new long[] {1, 3, 2, 3}, x.shape());
        assertEquals(255f, x.getFloat(0, 0, 0, 0));
        assertEquals(0f, x.getFloat(0, 1, 0, 0));
        assertEquals(128f, x.getFloat(0, 2, 0, 0));
        assertEquals(0x10, x.getFloat(0, 0, 1, 2));
        assertEquals(0x20, x.getFloat(0, 1, 1, 2));
        assertEquals(0x30, x.getFloat(0, 2, 1, 2));
        assertEquals(0f, x.getFloat(0, 0, 1, 0));
    }

    @Test
    void greyIsCopiedToAllChannelsWithoutGammaChange() throws IOException {
        BufferedImage im = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        im.getRaster().setSample(1, 0, 0, 100);
        INDArray x = Images.rgb(Images.read(png(im, "g.png")));
        for (int c = 0; c < 3; c++) {
            assertEquals(100f, x.getFloat(0, c, 0, 1), "channel " + c);
            assertEquals(0f, x.getFloat(0, c, 1, 1));
        }
    }

    @Test
    void constantImageStaysConstantAtAnySize() {
        for (int[] hw : new int[][] {{480, 640}, {1536, 2048}, {300, 451}, {100, 50}, {224, 224}}) {
            INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 3, hw[0], hw[1]);
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).assign(117.25);
            INDArray y = Images.resize(x, 224, 224);
            assertArrayEquals(new long[] {1, 3, 224, 224}, y.shape());
            // Weights sum to 1; float32 rounding of 117.25 sums stays within 1e-4.
            assertEquals(117.25, y.maxNumber().doubleValue(), 1e-4, hw[0] + "x" + hw[1]);
            assertEquals(117.25 / 3, y.meanNumber().doubleValue(), 1e-4);
            assertEquals(0, y.minNumber().doubleValue(), 0);
        }
    }

    @Test
    void boxReduceAveragesBlocksAndPartialEdgeBlocks() {
        INDArray x = Nd4j.arange(25).castTo(DataType.FLOAT).reshape(1, 1, 5, 5);
        INDArray y = Images.boxReduce(x, 2);
        assertArrayEquals(new long[] {1, 1, 3, 3}, y.shape());
        assertEquals((0 + 1 + 5 + 6) / 4f, y.getFloat(0, 0, 0, 0));
        assertEquals((4 + 9) / 2f, y.getFloat(0, 0, 0, 2));
        assertEquals((20 + 21) / 2f, y.getFloat(0, 0, 2, 0));
        assertEquals(24f, y.getFloat(0, 0, 2, 2));
    }

    @Test
    void resizeBoxReducesOnlyWhenBothAxesAreAtLeastTwiceTheTarget() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 448, 448).muli(255);
        // k = 2, then 224 -> 224 bilinear is the identity.
        assertEquals(Images.boxReduce(x, 2), Images.resize(x, 224, 224));
        // 447 < 2 * 224 on one axis: k = 1, plain bilinear.
        INDArray wide = Nd4j.rand(DataType.FLOAT, 1, 3, 447, 900);
        assertEquals(Resampling.bilinear(wide, 224, 224), Images.resize(wide, 224, 224));
    }

    @Test
    void loadsRealPhotosOfEveryFormat() {
        for (String name : new String[] {"zebra.jpg", "coral_grace_hopper.bmp", "skimage_coffee.png"}) {
            INDArray x = Images.load(Shared.require("assets/images/" + name), 224);
            assertArrayEquals(new long[] {1, 3, 224, 224}, x.shape(), name);
            assertTrue(x.minNumber().doubleValue() >= 0 && x.maxNumber().doubleValue() <= 255, name);
            assertTrue(x.maxNumber().doubleValue() > 200, name + " is not black");
        }
        // 224 x 224 photo: no resampling at all, pixels as decoded.
        Path same = Shared.require("assets/images/both_bullmastiff_tigercat.png");
        assertEquals(Images.rgb(Images.read(same)), Images.load(same, 224));
    }

    @Test
    void aFileThatIsNotAnImageIsRejectedWithTheAcceptedFormats() throws IOException {
        Path txt = dir.resolve("notes.png");
        Files.writeString(txt, "not an image");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Images.read(txt));
        assertTrue(e.getMessage().contains("notes.png") && e.getMessage().contains("png") && e.getMessage().contains("jpeg"),
                e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Images.read(dir.resolve("nope.jpg")));
        assertTrue(missing.getMessage().contains("not found") && missing.getMessage().contains("nope.jpg"));
    }
}
