package org.xai4j.examples;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.Graph;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.CamResult;
import org.xai4j.explain.GradCam;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.Normalization;
import org.xai4j.explain.image.Overlay;
import org.xai4j.importers.Models;

/**
 * What a JVM service does with xai4j: load a model once, classify a photo, and say where the
 * model looked (Grad-CAM at the last feature maps), written as {@code gradcam.png}.
 *
 * <p>Arguments: MODEL (ONNX or Keras .h5), IMAGE, and optionally the preprocessing
 * (torchvision, inception, caffe or none; default inception, as MobileNets expect).
 */
public final class ExplainOnePhoto {
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ExplainOnePhoto MODEL IMAGE [torchvision|inception|caffe|none]");
            System.exit(2);
        }
        Graph model = Models.load(Path.of(args[0]));
        Preprocess preprocess = Preprocess.parse(args.length > 2 ? args[2] : "inception");
        INDArray rgb = Images.load(Path.of(args[1]), 224);              // [1, 3, 224, 224], values 0-255
        CamResult cam = GradCam.of(null).explain(model, preprocess.apply(rgb));
        System.out.printf("class %d, logit %.4f%n", cam.scores().classOf(0), cam.scores().valueOf(0));

        BufferedImage photo = Overlay.photo(rgb);
        Path out = Path.of("gradcam.png");
        Overlay.writePng(Overlay.over(photo, cam.map().slice(0), Colormap.JET, 0.5, Normalization.minMax()), out);
        System.out.println("wrote " + out.toAbsolutePath());
    }
}
