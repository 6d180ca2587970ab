package org.xai4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.engine.MemoryBudget;
import org.xai4j.engine.io.Images;
import org.xai4j.engine.io.Preprocess;
import org.xai4j.explain.image.Overlay;
import org.xai4j.explain.inside.DeconvnetProjection;
import org.xai4j.explain.inside.FeatureMaps;
import org.xai4j.explain.inside.Grid;
import org.xai4j.explain.inside.ReceptiveField;
import org.xai4j.explain.inside.TopPatches;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code xai4j top-patches}: the photos of a folder that excite chosen channels most, cropped to the receptive field. */
@Command(name = "top-patches", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Dataset search: streams every photo under DIR (any size, any number; PNG, JPEG, BMP, GIF) through the "
                + "model in batches, keeps the top k photos per channel of a node by the channel's mean or maximum (memory "
                + "bounded by k, not by the folder), crops the receptive field around each channel's maximum from the original "
                + "photo and writes DIR_OUT/top_patches_<node>.png (a row per channel) and top_patches_<node>.json. Unreadable "
                + "files are reported and skipped."})
final class TopPatchesCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    PixelOptions pixels;

    @Mixin
    LabelOptions labels;

    @Spec
    CommandSpec spec;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "A folder of photos (searched recursively).")
    Path images;

    @Option(names = "--layer", required = true, paramLabel = "NODE", description = "A node with feature maps.")
    String layer;

    @Option(names = "--channels", paramLabel = "C1,C2,...", split = ",", description = "Channels (default: 0..7).")
    List<Integer> channels;

    @Option(names = "--k", paramLabel = "K", defaultValue = "9", converter = Converters.Positive.class, description = "Photos kept per channel (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--rank", paramLabel = "mean|max", defaultValue = "max", description = "Score a channel's map by its max (default) or mean.")
    String rank;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16", converter = Converters.Positive.class, description = "(default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--deconvnet", description = "Also project each kept unit back to pixel space with the deconvnet rules "
            + "(Zeiler and Fergus 2014: the maximum alone, rectified signal, max-pool switches, transposed filters), cropped like "
            + "the photos: top_patches_<node>_deconvnet.png.")
    boolean deconvnet;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the files go (default: inside/<model name>).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (k > 1000 || batchSize > 1024) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--k at most 1000 and --batch-size at most 1024");
        }
        TopPatches.Rank how = switch (rank) {
            case "max" -> TopPatches.Rank.MAX;
            case "mean" -> TopPatches.Rank.MEAN;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rank " + rank + ": mean or max");
        };
        if (!Files.isDirectory(images)) {
            throw new IllegalArgumentException("--images " + images + " is not a folder");
        }
        Graph graph = model.graph();
        Graph.Input in = model.input();
        int[] hw = pixels.side(in);
        Preprocess preset = pixels.preprocessing(model.file(), graph).preset();
        String node = graph.resolve(layer);
        List<Integer> chosen = channels != null ? channels : List.of(0, 1, 2, 3, 4, 5, 6, 7);
        long[] fixed = in.shape();
        int rows = fixed != null && fixed[0] > 0 ? (int) Math.min(batchSize, fixed[0]) : batchSize;
        MemoryBudget.checkInference(graph, Map.of(in.name(), new long[] {rows, 3, hw[0], hw[1]}), List.of(node), Float.BYTES);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(images)) {
            files = walk.filter(Files::isRegularFile).filter(TopPatchesCommand::isPhotoName).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(images + " holds no photo (" + Images.formats() + ")");
        }
        PrintWriter w = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        w.println(pixels.line());
        pixels.warnIfGuessed(err);
        TopPatches search = new TopPatches(graph, node, chosen, k, how);
        ReceptiveField rf = ReceptiveField.of(graph, hw[0], hw[1]);
        int skipped = 0;
        double seconds;
        try (InsideProgress progress = new InsideProgress(err, "top-patches", "images", files.size())) {
            List<INDArray> batch = new ArrayList<>();
            List<Photo> names = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                Path f = files.get(i);
                try {
                    BufferedImage photo = Images.read(f);
                    batch.add(preset.apply(Images.resize(Images.rgb(photo), hw[0], hw[1])));
                    names.add(new Photo(f, photo.getHeight(), photo.getWidth()));
                } catch (RuntimeException e) {
                    skipped++;
                    err.println("xai4j: skipped " + f + ": " + Main.describe(e));
                    progress.advance(1);
                }
                if (batch.size() == rows || (i == files.size() - 1 && !batch.isEmpty())) {
                    INDArray x = Nd4j.concat(0, batch.toArray(INDArray[]::new));
                    search.add(FeatureMaps.capture(graph, x, node).activation(), names);
                    progress.advance(batch.size());
                    batch.clear();
                    names = new ArrayList<>();
                }
            }
            seconds = progress.seconds();
        }
        Map<Integer, List<TopPatches.Hit<Photo>>> best = search.best();
        warnIfTied(best, err);
        List<Grid.Tile> tiles = new ArrayList<>();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model.file().toString());
        json.put("layer", node);
        json.put("rank", rank);
        json.put("images", search.seen());
        json.put("skipped", skipped);
        Map<String, Object> perChannel = new LinkedHashMap<>();
        int columns = 0;
        for (Map.Entry<Integer, List<TopPatches.Hit<Photo>>> e : best.entrySet()) {
            List<Object> hits = new ArrayList<>();
            for (TopPatches.Hit<Photo> h : e.getValue()) {
                ReceptiveField.Region r = rf.region(node, h.y(), h.x());
                Photo p = h.item();
                // The model saw the whole photo resized to H x W: scale the region back to the original's pixels.
                int y0 = (int) Math.floor(r.rows().from() * (double) p.height() / hw[0]);
                int y1 = (int) Math.ceil((r.rows().to() + 1) * (double) p.height() / hw[0]);
                int x0 = (int) Math.floor(r.columns().from() * (double) p.width() / hw[1]);
                int x1 = (int) Math.ceil((r.columns().to() + 1) * (double) p.width() / hw[1]);
                BufferedImage crop = Images.read(p.file()).getSubimage(x0, y0, Math.min(x1, p.width()) - x0, Math.min(y1, p.height()) - y0);
                tiles.add(new Grid.Tile(String.format(Locale.ROOT, "c%d %.2f", e.getKey(), h.score()), crop));
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("file", p.file().toString());
                o.put("score", h.score());
                o.put("position", new int[] {h.y(), h.x()});
                o.put("box", new int[] {y0, x0, Math.min(y1, p.height()) - 1, Math.min(x1, p.width()) - 1});
                hits.add(o);
            }
            columns = Math.max(columns, e.getValue().size());
            perChannel.put(Integer.toString(e.getKey()), hits);
        }
        json.put("channels", perChannel);
        Path dir = Inside.out(out, model.file());
        Path png = dir.resolve("top_patches_" + Inside.fileName(node) + ".png");
        Path jsonFile = dir.resolve("top_patches_" + Inside.fileName(node) + ".json");
        ReceptiveField.Field f = rf.field(node);
        Overlay.writePng(Grid.of(node + ": top " + k + " of " + search.seen() + " photos by channel " + rank + " (rows: channels "
                + chosen + "), crops of the " + f.y().size() + "x" + f.x().size() + " receptive field", tiles, columns, 96, null), png);
        Path projections = null;
        if (deconvnet) {
            projections = dir.resolve("top_patches_" + Inside.fileName(node) + "_deconvnet.png");
            json.put("deconvnet", projections.toString());
            Overlay.writePng(Grid.of(node + ": deconvnet projections of the same units (Zeiler and Fergus 2014), grey = 0",
                    projections(graph, preset, node, best, hw, rows, rf), columns, 96, null), projections);
        }
        Files.createDirectories(dir);
        Files.writeString(jsonFile, Json.write(json) + "\n");
        w.printf(Locale.ROOT, "layer:  %s, channels %s, top %d by %s%n", node, chosen, k, rank);
        w.printf(Locale.ROOT, "images: %d read, %d skipped, %.1f s (%.1f images/s)%n", search.seen(), skipped, seconds, search.seen() / seconds);
        w.println("wrote:  " + png + ", " + jsonFile + (projections != null ? ", " + projections : ""));
        return 0;
    }

    /**
     * A clipped activation (ReLU6 in the MobileNets' late layers) saturates: many photos reach the
     * same maximum and the order among them says nothing. Say so, once, and what separates them.
     */
    private void warnIfTied(Map<Integer, List<TopPatches.Hit<Photo>>> best, PrintWriter err) {
        if (!rank.equals("max")) {
            return;
        }
        List<Integer> tied = best.entrySet().stream()
                .filter(e -> e.getValue().size() > 1 && e.getValue().get(e.getValue().size() - 1).score() == e.getValue().get(0).score())
                .map(Map.Entry::getKey).toList();
        if (!tied.isEmpty()) {
            err.println("xai4j: warning: channels " + tied + " reach the same maximum on all their top " + k
                    + " photos (a clipped activation): their order is arbitrary; --rank mean separates them");
        }
    }

    /**
     * Each kept photo again through the model, its channel's maximum projected back with the
     * deconvnet rules, cropped to the same receptive field in the model's input pixels.
     */
    private List<Grid.Tile> projections(Graph graph, Preprocess preset, String node, Map<Integer, List<TopPatches.Hit<Photo>>> best, int[] hw, int rows,
            ReceptiveField rf) {
        List<Grid.Tile> tiles = new ArrayList<>();
        for (Map.Entry<Integer, List<TopPatches.Hit<Photo>>> e : best.entrySet()) {
            List<TopPatches.Hit<Photo>> hits = e.getValue();
            for (int from = 0; from < hits.size(); from += rows) {
                List<TopPatches.Hit<Photo>> part = hits.subList(from, Math.min(hits.size(), from + rows));
                INDArray x = Nd4j.concat(0, part.stream().map(h -> preset.apply(
                        Images.resize(Images.rgb(Images.read(h.item().file())), hw[0], hw[1]))).toArray(INDArray[]::new));
                DeconvnetProjection.Result p = DeconvnetProjection.of(graph, x, node, e.getKey());
                for (int b = 0; b < part.size(); b++) {
                    ReceptiveField.Region r = rf.region(node, p.y()[b], p.x()[b]);
                    BufferedImage full = DeconvnetProjection.picture(p.pixels(), b, preset == Preprocess.CAFFE);
                    BufferedImage crop = full.getSubimage((int) r.columns().from(), (int) r.rows().from(), (int) r.columns().size(), (int) r.rows().size());
                    tiles.add(new Grid.Tile(String.format(Locale.ROOT, "c%d %.2f", e.getKey(), p.activation()[b]), crop));
                }
            }
        }
        return tiles;
    }

    /** A photo the model saw, and its original size. */
    record Photo(Path file, int height, int width) {}

    private static boolean isPhotoName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif");
    }
}
