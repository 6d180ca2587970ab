package org.xai4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.xai4j.engine.io.Npy;
import org.xai4j.explain.CamResult;
import org.xai4j.explain.Explanation;
import org.xai4j.explain.IntegratedGradients;
import org.xai4j.explain.Method;
import org.xai4j.explain.Parameters;
import org.xai4j.explain.image.Overlay;

/**
 * The files {@code explain} writes for one method, named after it: {@code <method>.npy} (the raw
 * input-shaped attribution, or the upsampled CAM map {@code H x W} with {@code <method>_raw.npy}
 * at the layer; the heat map {@code H x W} of a perturbation method), the arrays a result adds
 * ({@link Explanation#arrays}: {@code <method>_<name>.npy}, e.g. {@code occlusion_grid.npy},
 * {@code lime_segments.npy}), {@code <method>.png} and {@code <method>.json}: what every record says
 * ({@code common}), then the method, its score, its parameters as the catalogue names them, the
 * time, the values a result adds ({@link Explanation#values}: LIME's and KernelSHAP's per-segment
 * values), for integrated gradients the completeness gap, then what {@link ExplainFigures#record}
 * says about the picture ({@code same_as} and {@code same_as_scale} when an earlier method gave the
 * same map, and {@code picture}: colour map, sign, value range, alpha).
 */
record ExplainRecords(Path dir, Map<String, Object> common) {

    /** Writes the files of one method and returns the line to print about them. */
    String write(Method m, Explanation e, BufferedImage picture, Parameters parameters, double ms, Map<String, Object> pictureRecord) {
        String name = m.name();
        Map<String, Object> files = new LinkedHashMap<>();
        INDArray map = e.map();
        if (e instanceof CamResult cam) {
            map = map.reshape(map.size(1), map.size(2));
            INDArray raw = cam.raw().reshape(cam.raw().size(1), cam.raw().size(2));
            Npy.write(map, dir.resolve(name + ".npy"));
            Npy.write(raw, dir.resolve(name + "_raw.npy"));
            files.put("map", name + ".npy");
            files.put("map_shape", map.shape());
            files.put("raw", name + "_raw.npy");
            files.put("raw_shape", raw.shape());
        } else {
            if (m.output() == Method.Output.MAP) {
                map = map.reshape(map.size(1), map.size(2));
            }
            Npy.write(map, dir.resolve(name + ".npy"));
            files.put("map", name + ".npy");
            files.put("map_shape", map.shape());
        }
        StringBuilder more = new StringBuilder();
        for (Map.Entry<String, INDArray> a : new java.util.TreeMap<>(e.arrays(0)).entrySet()) {
            String file = name + "_" + a.getKey() + ".npy";
            write(a.getValue(), dir.resolve(file));
            files.put(a.getKey(), file);
            files.put(a.getKey() + "_shape", a.getValue().shape());
            more.append(", ").append(file).append(' ').append(Converters.shape(a.getValue().shape()));
        }
        Overlay.writePng(picture, dir.resolve(name + ".png"));
        files.put("png", name + ".png");

        Map<String, Object> json = new LinkedHashMap<>(common);
        json.put("method", name);
        json.put("score", e.scores().valueOf(0));
        json.put("parameters", m.parametersOf(parameters));
        json.put("milliseconds", Math.round(ms * 10) / 10.0);
        json.putAll(e.values(0));
        String extra = "";
        if (e instanceof IntegratedGradients.Result ig) {
            double sum = ig.map().castTo(DataType.DOUBLE).sumNumber().doubleValue();
            json.put("completeness_gap", ig.completenessGap()[0]);
            json.put("attribution_sum", sum);
            json.put("score_at_baseline", ig.baselineScores()[0]);
            json.put("steps_used", ig.steps()[0]);
            if (parameters.gap() > 0) {
                json.put("gap_reached", ig.reached(0, parameters.gap()));
            }
            extra = String.format(Locale.ROOT, "  completeness gap %.2e (sum %.6g, score - score at baseline %.6g)%s",
                    ig.completenessGap()[0], sum, e.scores().valueOf(0) - ig.baselineScores()[0],
                    parameters.gap() > 0 ? ", " + ig.steps()[0] + " steps" : "");
        }
        json.putAll(pictureRecord);
        json.put("files", files);
        Path record = dir.resolve(name + ".json");
        try {
            Files.writeString(record, Json.write(json) + "\n");
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + record + ": " + ex.getMessage(), ex);
        }
        return String.format(Locale.ROOT, "%-17s %8.0f ms  %s %s%s%s, %s, %s%s", name, ms, name + ".npy",
                Converters.shape(map.shape()), e instanceof CamResult cam ? ", " + name + "_raw.npy "
                        + Converters.shape(new long[] {cam.raw().size(1), cam.raw().size(2)}) : "", more,
                name + ".png", name + ".json", extra);
    }

    /** Integer arrays (segment labels) as int32, the rest as float32. */
    private static void write(INDArray a, Path file) {
        if (a.dataType().isIntType()) {
            int[] v = a.dup('c').data().asInt();
            SegmentsFile.writeInt32(v, (int) a.size(0), (int) a.size(1), file);
        } else {
            Npy.write(a, file);
        }
    }
}
