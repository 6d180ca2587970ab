package org.xai4j.explain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.xai4j.engine.Graph;

/**
 * One entry of the method catalogue ({@link Methods}): everything a front end needs to offer an
 * explanation method without knowing it. Its command-line {@code name}, a {@code title}, the
 * Java entry point ({@code api}), what the map shows, the paper, the cost in passes, whether the
 * map is input-shaped or a CAM map, how to draw it, the shared {@link Parameter}s it takes, and
 * how to build its {@link Explainer} from {@link Parameters}. Optional parts ({@code fixed}
 * settings named in its records, the {@code rows} it sends through the network, a {@code check}
 * that can refuse a graph before any pass) have {@code with...} methods.
 *
 * @param display how an input-shaped map becomes one value per pixel for pictures (Captum sums
 *     signed contributions before |.|, gradients are shown as Simonyan et al.'s max_c |g|); null for CAM maps
 */
public record Method(String name, String title, String api, String summary, String paper, String cost, Output output,
                     Maps.Aggregation display, List<Parameter> parameters, Map<String, String> fixed,
                     Rows rows, Check check, Function<Parameters, Explainer<?>> build) {

    /**
     * The shape of the map: like the input {@code [N, C, H, W]}, a CAM map {@code [N, H, W]} (with
     * {@code raw} at the layer), or a heat map {@code [N, H, W]} made at the input's size (the
     * perturbation methods).
     */
    public enum Output { INPUT, CAM, MAP }

    /** Refuses a graph the method cannot explain (a one-line {@link IllegalArgumentException}), before any pass. */
    @FunctionalInterface
    public interface Check {
        Check NONE = (graph, head, p) -> {};

        void check(Graph graph, Head head, Parameters p);
    }

    /**
     * The rows a method sends through the network for one input row of shape {@code input}
     * ({@code [1, C, H, W]}), for estimates and {@link Progress}; {@code graph} and {@code input}
     * may be null when unknown, and the count is then a lower bound.
     */
    @FunctionalInterface
    public interface Rows {
        long of(Graph graph, long[] input, Parameters p);
    }

    public Method {
        parameters = List.copyOf(parameters);
        fixed = Collections.unmodifiableMap(new LinkedHashMap<>(fixed));
        for (int i = 1; i < parameters.size(); i++) {
            if (parameters.get(i - 1).compareTo(parameters.get(i)) >= 0) {
                throw new IllegalArgumentException(name + ": list parameters once each, in Parameter's order, so that every "
                        + "record names them in the same order");
            }
        }
        if ((output == Output.INPUT) == (display == null)) {
            throw new IllegalArgumentException(name + ": an input-shaped map needs a display aggregation, a CAM or heat map none");
        }
    }

    /** An input-shaped method: one row through the network, no check. */
    public static Method inputShaped(String name, String title, String api, String summary, String paper, String cost,
                                     Maps.Aggregation display, List<Parameter> parameters, Function<Parameters, Explainer<?>> build) {
        return new Method(name, title, api, summary, paper, cost, Output.INPUT, display, parameters, Map.of(), (g, x, p) -> 1,
                Check.NONE, build);
    }

    /** A CAM method: one row through the network, no check beyond the layer's. */
    public static Method cam(String name, String title, String api, String summary, String paper, String cost,
                             List<Parameter> parameters, Function<Parameters, Explainer<?>> build) {
        return new Method(name, title, api, summary, paper, cost, Output.CAM, null, parameters, Map.of(), (g, x, p) -> 1,
                Check.NONE, build);
    }

    /** A heat map made at the input's size, no check. */
    public static Method heatMap(String name, String title, String api, String summary, String paper, String cost,
                                 List<Parameter> parameters, Function<Parameters, Explainer<?>> build) {
        return new Method(name, title, api, summary, paper, cost, Output.MAP, null, parameters, Map.of(), (g, x, p) -> 1,
                Check.NONE, build);
    }

    /** The rows sent through the network for one input row, for estimates and {@link Progress}. */
    public Method withRows(ToLongFunction<Parameters> v) {
        return withRows((g, x, p) -> v.applyAsLong(p));
    }

    /** As {@link #withRows(ToLongFunction)}, for counts that depend on the graph (Score-CAM's channels). */
    public Method withRows(Rows v) {
        return new Method(name, title, api, summary, paper, cost, output, display, parameters, fixed, v, check, build);
    }

    public Method withCheck(Check v) {
        return new Method(name, title, api, summary, paper, cost, output, display, parameters, fixed, rows, v, build);
    }

    /** A setting that is not a shared parameter but belongs in the records (SmoothGrad's wrapped method). */
    public Method withFixed(String key, String value) {
        Map<String, String> f = new LinkedHashMap<>(fixed);
        f.put(key, value);
        return new Method(name, title, api, summary, paper, cost, output, display, parameters, f, rows, check, build);
    }

    public boolean takes(Parameter p) {
        return parameters.contains(p);
    }

    public Explainer<?> explainer(Parameters p) {
        return build.apply(p);
    }

    /** The settings this method used, for its record: the fixed ones, then its parameters in {@link Parameter} order. */
    public Map<String, Object> parametersOf(Parameters p) {
        Map<String, Object> m = new LinkedHashMap<>(fixed);
        for (Parameter q : parameters) {
            m.put(q.key(), q.valueIn(p));
        }
        return m;
    }

    /** The rows without knowing the graph: exact for most methods, a lower bound for those that depend on it. */
    public long rowsFor(Parameters p) {
        return rows.of(null, null, p);
    }

    /** The rows for one input row of shape {@code input} through {@code graph}. */
    public long rowsFor(Graph graph, long[] input, Parameters p) {
        return rows.of(graph, input, p);
    }
}
