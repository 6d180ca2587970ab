package org.xai4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.xai4j.explain.Baseline;
import org.xai4j.explain.Head;
import org.xai4j.explain.IntegratedGradients;
import org.xai4j.explain.Quadrature;
import org.xai4j.explain.Target;
import org.xai4j.importers.ModelFormatException;

/**
 * How many steps integrated gradients needs, per quadrature rule, before its relative
 * completeness gap {@code |sum(IG) - (f(x) - f(b))| / |f(x) - f(b)|} falls under 1%, on the
 * PyTorch oracle's models ({@code ../shared/oracle}: zero baseline, score = the logit of
 * {@code index.json}'s target class), and the gaps of every rule at 8, 16, 32 and 64 steps.
 * Prints Markdown tables on stdout and each evaluation on stderr as it goes.
 * <pre>
 *   CompletenessReport [--float64] [--threshold 0.01] [--scan 16] [--cap 512] [--batch 8]
 *                      [--rules gauss_legendre,right_riemann,...] [--resume stderr.log ...]
 *                      [model ...]                                 (default: resnet18 mobilenet_v2)
 * </pre>
 * The search evaluates every n from 1 (2 for the trapezoid) to {@code --scan}; if the gap there
 * is still over the threshold, it doubles n up to {@code --cap} and bisects between the last n
 * over and the first under. Bisection finds the first crossing only if the gap falls
 * monotonically in between, so the report says for each rule whether the gaps it evaluated were
 * monotone, and gives both the first n under the threshold and the n from which every evaluated
 * n stays under. The oracle files fix the batch at 1, so integrated gradients runs their steps
 * one per pass whatever {@code --batch} says. {@code --resume} reads the gaps an earlier run
 * printed on stderr (same model and precision), so a long run can be continued or re-tabulated.
 */
public final class CompletenessReport {
    private static final int[] TABLE_STEPS = {8, 16, 32, 64};
    private static final List<String> DEFAULT_MODELS = List.of("resnet18", "mobilenet_v2");

    private CompletenessReport() {}

    /** Command-line settings; see the class comment. */
    record Settings(boolean float64, double threshold, int scan, int cap, int batchSize, List<Quadrature> rules,
                    List<Path> resume, List<String> models) {

        static Settings parse(String[] args) {
            boolean float64 = false;
            double threshold = 0.01;
            int scan = 16;
            int cap = 512;
            int batchSize = 8;
            List<Quadrature> rules = List.of(Quadrature.values());
            List<Path> resume = new ArrayList<>();
            List<String> models = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--float64" -> float64 = true;
                    case "--threshold" -> threshold = Double.parseDouble(value(args, ++i, a));
                    case "--scan" -> scan = positive(value(args, ++i, a), a);
                    case "--cap" -> cap = positive(value(args, ++i, a), a);
                    case "--batch" -> batchSize = positive(value(args, ++i, a), a);
                    case "--rules" -> rules = Arrays.stream(value(args, ++i, a).split(","))
                            .map(CompletenessReport::rule).toList();
                    case "--resume" -> resume.add(Path.of(value(args, ++i, a)));
                    default -> {
                        if (a.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + a + "; accepted: --float64, --threshold X, "
                                    + "--scan N, --cap N, --batch N, --rules R1,R2, --resume FILE and model names");
                        }
                        models.add(a);
                    }
                }
            }
            if (!(threshold > 0)) {
                throw new IllegalArgumentException("--threshold must be > 0, got " + threshold);
            }
            return new Settings(float64, threshold, scan, cap, batchSize, rules, resume, models.isEmpty() ? DEFAULT_MODELS : models);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int positive(String s, String option) {
            try {
                int n = Integer.parseInt(s);
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " must be a whole number >= 1, got '" + s + "'");
        }
    }

    public static void main(String[] args) {
        try {
            long start = System.nanoTime();
            Settings s = Settings.parse(args);
            JsonNode index = readJson(OracleModel.file("index.json"));
            Map<String, Map<Quadrature, Result>> all = new LinkedHashMap<>();
            for (String model : s.models()) {
                all.put(model, report(OracleModel.load(model, index, s.float64()), s));
            }
            if (all.size() > 1) {
                printSummary(all, s);
            }
            System.err.printf(Locale.ROOT, "done in %.0f min%n", (System.nanoTime() - start) / 60e9);
        } catch (IllegalArgumentException | UncheckedIOException | ModelFormatException e) {
            System.err.println("CompletenessReport: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * One rule's search: the gaps it evaluated (relative, signed, by steps), the first n under the
     * threshold (-1: none up to the cap) and how it was found ("scan": every smaller n was
     * evaluated; "bisection": after the last n over the threshold, see the class comment).
     */
    record Result(TreeMap<Integer, Double> gaps, int steps, String how) {

        /** The smallest evaluated n from which every evaluated n up to the cap is under the threshold, or -1. */
        int staysUnder(double threshold, int cap) {
            int from = -1;
            for (Map.Entry<Integer, Double> e : gaps.headMap(cap, true).descendingMap().entrySet()) {
                if (Math.abs(e.getValue()) >= threshold) {
                    break;
                }
                from = e.getKey();
            }
            return from;
        }
    }

    private static Map<Quadrature, Result> report(OracleModel o, Settings s) {
        Evaluations e = new Evaluations(o, s.float64() ? "float64" : "float32", s.batchSize());
        for (Path log : s.resume()) {
            e.resume(log);
        }
        System.out.printf(Locale.ROOT, "%n## %s (%s, class %d, %s)%n%n", o.name(), o.file().getFileName(), o.targetClass(),
                s.float64() ? "float64" : "float32");
        Map<Quadrature, Result> results = new LinkedHashMap<>();
        for (Quadrature rule : s.rules()) {
            Result r = search(e, rule, s);
            for (int n : TABLE_STEPS) {
                if (n <= s.cap() || n <= s.scan()) {
                    e.gap(rule, n);
                }
            }
            results.put(rule, r);
        }
        checkAgainstOracle(o, e);
        printTable(results, s);
        return results;
    }

    /** Every n up to the scan, then doubling and bisection while over the threshold; see the class comment. */
    static Result search(Evaluations e, Quadrature rule, Settings s) {
        TreeMap<Integer, Double> gaps = e.gaps(rule);
        int first = rule == Quadrature.TRAPEZOID ? 2 : 1;
        int scanEnd = Math.max(first, Math.min(s.scan(), s.cap()));
        int firstUnder = -1;
        for (int n = first; n <= scanEnd; n++) {
            if (Math.abs(e.gap(rule, n)) < s.threshold() && firstUnder < 0) {
                firstUnder = n;
            }
        }
        if (Math.abs(e.gap(rule, scanEnd)) < s.threshold()) {
            return new Result(gaps, firstUnder, "scan");
        }
        int over = scanEnd;
        int under = -1;
        for (int n = over; n < s.cap() && under < 0; ) {
            n = Math.min(2 * n, s.cap());
            if (Math.abs(e.gap(rule, n)) < s.threshold()) {
                under = n;
            } else {
                over = n;
            }
        }
        if (under < 0) {
            return firstUnder > 0 ? new Result(gaps, firstUnder, "scan") : new Result(gaps, -1, "none up to the cap");
        }
        while (under - over > 1) {
            int mid = (over + under) >>> 1;
            if (Math.abs(e.gap(rule, mid)) < s.threshold()) {
                under = mid;
            } else {
                over = mid;
            }
        }
        return firstUnder > 0 ? new Result(gaps, firstUnder, "scan") : new Result(gaps, under, "bisection");
    }

    /** The evaluated steps where |gap| rose from the previous evaluated steps, as "a->b". */
    static List<String> rises(TreeMap<Integer, Double> gaps) {
        List<String> rises = new ArrayList<>();
        Map.Entry<Integer, Double> previous = null;
        for (Map.Entry<Integer, Double> e : gaps.entrySet()) {
            if (previous != null && Math.abs(e.getValue()) > Math.abs(previous.getValue())) {
                rises.add(previous.getKey() + "->" + e.getKey());
            }
            previous = e;
        }
        return rises;
    }

    /** Our right-Riemann sums at the oracle's 32 and 128 steps against PyTorch's float64 ones. */
    private static void checkAgainstOracle(OracleModel o, Evaluations e) {
        JsonNode ig = o.meta().path("ig");
        double difference = e.difference();
        System.out.printf(Locale.ROOT, "f(x) = %.10f (PyTorch float64 %.10f), f(0) = %.10f (%.10f), f(x) - f(0) = %.10f%n%n",
                e.fx(), ig.path("f_x").asDouble(), e.fb(), ig.path("f_baseline").asDouble(), difference);
        double[] ours = {(1 + e.gap(Quadrature.RIGHT_RIEMANN, 32)) * difference, (1 + e.gap(Quadrature.RIGHT_RIEMANN, 128)) * difference};
        double[] torch = {ig.path("sum_ig").asDouble(), ig.path("sum_ig_more_steps_right_rule").path("128").asDouble()};
        System.out.printf(Locale.ROOT, "Check: right Riemann sum(IG) at 32 steps %.10f (PyTorch float64 %.10f), at 128 steps %.10f (%.10f); "
                + "largest difference %.1e of f(x) - f(0)%n%n", ours[0], torch[0], ours[1], torch[1],
                Math.max(Math.abs(ours[0] - torch[0]), Math.abs(ours[1] - torch[1])) / Math.abs(difference));
    }

    private static void printTable(Map<Quadrature, Result> results, Settings s) {
        StringBuilder head = new StringBuilder("| rule | first n with gap < " + percent(s.threshold())
                + " | under " + percent(s.threshold()) + " at every evaluated n from |");
        StringBuilder line = new StringBuilder("|---|---|---|");
        for (int n : TABLE_STEPS) {
            head.append(" gap at ").append(n).append(" |");
            line.append("---|");
        }
        System.out.println(head.append(" gap shrinks with steps (over the evaluated ones)? |"));
        System.out.println(line.append("---|"));
        for (Map.Entry<Quadrature, Result> entry : results.entrySet()) {
            Result r = entry.getValue();
            int from = r.staysUnder(s.threshold(), s.cap());
            StringBuilder row = new StringBuilder("| " + name(entry.getKey()) + " | " + answer(r, s) + " | "
                    + (from < 0 ? "-" : String.valueOf(from)) + " |");
            for (int n : TABLE_STEPS) {
                Double g = r.gaps().get(n);
                String cell = g == null ? "-" : percentSigned(g);
                row.append(' ').append(isSmallest(results, entry.getKey(), n) ? "**" + cell + "**" : cell).append(" |");
            }
            List<String> rises = rises(r.gaps());
            row.append(rises.isEmpty() ? " yes (" + r.gaps().size() + " step counts)"
                    : " no: rises " + rises.size() + " times in " + r.gaps().size() + " step counts ("
                    + String.join(", ", rises.subList(0, Math.min(3, rises.size()))) + (rises.size() > 3 ? ", ..." : "") + ")");
            System.out.println(row.append(" |"));
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Gaps are signed, relative to f(x) - f(0); bold: the smallest |gap| at that number of steps. "
                + "Evaluated n: every n up to %d, then doubling and bisection while over the threshold, and %s. "
                + "'scan': every smaller n was evaluated; 'bisection': the first n under the threshold after the last one over it, "
                + "the first crossing only where the gap is monotone.%n", s.scan(), Arrays.toString(TABLE_STEPS));
    }

    private static void printSummary(Map<String, Map<Quadrature, Result>> all, Settings s) {
        System.out.printf(Locale.ROOT, "%n## Steps for a completeness gap under %s%n%n", percent(s.threshold()));
        StringBuilder head = new StringBuilder("| rule |");
        StringBuilder line = new StringBuilder("|---|");
        for (String model : all.keySet()) {
            head.append(' ').append(model).append(" |");
            line.append("---|");
        }
        System.out.println(head);
        System.out.println(line);
        for (Quadrature rule : s.rules()) {
            StringBuilder row = new StringBuilder("| " + name(rule) + " |");
            for (Map<Quadrature, Result> results : all.values()) {
                row.append(' ').append(answer(results.get(rule), s)).append(" |");
            }
            System.out.println(row);
        }
    }

    private static boolean isSmallest(Map<Quadrature, Result> results, Quadrature rule, int n) {
        Double mine = results.get(rule).gaps().get(n);
        return mine != null && results.values().stream().map(r -> r.gaps().get(n))
                .allMatch(g -> g == null || Math.abs(mine) <= Math.abs(g));
    }

    private static String answer(Result r, Settings s) {
        if (r.steps() >= 0) {
            return r.steps() + " (" + r.how() + ")";
        }
        Map.Entry<Integer, Double> last = r.gaps().floorEntry(s.cap());
        return "> " + s.cap() + " (" + percentSigned(last.getValue()) + " at " + last.getKey() + ")";
    }

    private static String name(Quadrature rule) {
        return switch (rule) {
            case LEFT_RIEMANN -> "left Riemann";
            case RIGHT_RIEMANN -> "right Riemann";
            case MIDPOINT_RIEMANN -> "midpoint";
            case TRAPEZOID -> "trapezoid";
            case GAUSS_LEGENDRE -> "Gauss-Legendre";
        };
    }

    private static Quadrature rule(String s) {
        try {
            return Quadrature.valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown rule '" + s + "'; accepted: " + Arrays.toString(Quadrature.values()));
        }
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.3g%%", 100 * fraction);
    }

    private static String percentSigned(double fraction) {
        double p = 100 * fraction;
        return String.format(Locale.ROOT, Math.abs(p) >= 100 ? "%+.0f%%" : "%+.3g%%", p);
    }

    private static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Integrated gradients runs on one model, each (rule, steps) computed once. */
    static final class Evaluations {
        private static final Pattern LOGGED = Pattern.compile("^(\\S+) (float32|float64) ([A-Z_]+) (\\d+) steps: relative gap (\\S+)");
        private final OracleModel o;
        private final String precision;
        private final int batchSize;
        private final Map<Quadrature, TreeMap<Integer, Double>> gaps = new LinkedHashMap<>();
        private final double fx;
        private final double fb;

        Evaluations(OracleModel o, String precision, int batchSize) {
            this.o = o;
            this.precision = precision;
            this.batchSize = batchSize;
            Head head = Head.of(o.graph());
            fx = head.at(o.graph(), o.x()).getDouble(0, o.targetClass());
            fb = head.at(o.graph(), Baseline.zero().forInput(o.x())).getDouble(0, o.targetClass());
        }

        /** Takes the gaps of this model and precision from an earlier run's stderr. */
        void resume(Path log) {
            int count = 0;
            try {
                for (String line : Files.readAllLines(log)) {
                    Matcher m = LOGGED.matcher(line);
                    if (m.find() && m.group(1).equals(o.name()) && m.group(2).equals(precision)) {
                        gaps(Quadrature.valueOf(m.group(3))).put(Integer.parseInt(m.group(4)), Double.parseDouble(m.group(5)));
                        count++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("--resume " + log + ": " + e.getMessage(), e);
            }
            if (count > 0) {
                System.err.printf(Locale.ROOT, "%d gaps of %s in %s taken from %s%n", count, o.name(), precision, log);
            }
        }

        TreeMap<Integer, Double> gaps(Quadrature rule) {
            return gaps.computeIfAbsent(rule, r -> new TreeMap<>());
        }

        /** The signed relative gap {@code (sum(IG) - (f(x) - f(b))) / (f(x) - f(b))}. */
        double gap(Quadrature rule, int steps) {
            Double known = gaps(rule).get(steps);
            if (known != null) {
                return known;
            }
            long start = System.nanoTime();
            IntegratedGradients.Result r = new IntegratedGradients(Baseline.zero(), steps, rule, batchSize)
                    .explain(o.graph(), o.x(), Target.of(o.targetClass()));
            double relative = r.completenessGap()[0] / (r.scores().valueOf(0) - r.baselineScores()[0]);
            r.map().close();
            gaps(rule).put(steps, relative);
            System.err.printf(Locale.ROOT, "%s %s %s %d steps: relative gap %+.17e (%.1f s)%n", o.name(), precision, rule, steps,
                    relative, (System.nanoTime() - start) / 1e9);
            return relative;
        }

        double fx() {
            return fx;
        }

        double fb() {
            return fb;
        }

        double difference() {
            return fx - fb;
        }
    }
}
