package org.xai4j.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What one pass does besides the graph's own rules: forward hooks that observe or replace an
 * activation, backward hooks that observe or replace a node's input gradients, and rectifier
 * rules (guided backpropagation, deconvnet) as data that an {@link Accelerator} can compile.
 * An immutable value handed to {@link Graph#forward(java.util.Map, java.util.Collection, Hooks)}
 * or {@link Graph#run(java.util.Map, java.util.Collection, Hooks)}: it belongs to that call, so
 * passes on other threads never see it and nothing is left installed after an exception.
 *
 * <pre>
 *   Hooks.NONE.forward(n -&gt; n.name().equals("relu3"), (node, y) -&gt; { seen.add(y.dup()); return null; })
 *   Hooks.NONE.rule(n -&gt; n.layer() instanceof ReLU, RectifierRule.GUIDED)
 * </pre>
 */
public record Hooks(List<Hook<ForwardHook>> forwardHooks, List<Hook<BackwardHook>> backwardHooks, List<Hook<RectifierRule>> rules) {

    /** A hook and the nodes it applies to. */
    public record Hook<H>(Predicate<Node> where, H hook) {}

    public static final Hooks NONE = new Hooks(List.of(), List.of(), List.of());

    public Hooks {
        forwardHooks = List.copyOf(forwardHooks);
        backwardHooks = List.copyOf(backwardHooks);
        rules = List.copyOf(rules);
    }

    /** These hooks and {@code hook} after the forward of every node matching {@code where}. */
    public Hooks forward(Predicate<Node> where, ForwardHook hook) {
        return new Hooks(append(forwardHooks, new Hook<>(where, hook)), backwardHooks, rules);
    }

    /** These hooks and {@code hook} after the backward of every node matching {@code where}. */
    public Hooks backward(Predicate<Node> where, BackwardHook hook) {
        return new Hooks(forwardHooks, append(backwardHooks, new Hook<>(where, hook)), rules);
    }

    /** These hooks and {@code rule} in place of the backward of every rectifier matching {@code where}. */
    public Hooks rule(Predicate<Node> where, RectifierRule rule) {
        return new Hooks(forwardHooks, backwardHooks, append(rules, new Hook<>(where, rule)));
    }

    /** The same forward hooks with other backward hooks and rules (for a second backward on one tape). */
    public Hooks withBackwardOf(Hooks other) {
        return new Hooks(forwardHooks, other.backwardHooks, other.rules);
    }

    public boolean isEmpty() {
        return forwardHooks.isEmpty() && backwardHooks.isEmpty() && rules.isEmpty();
    }

    boolean watchesForward(Node node) {
        return forwardHooks.stream().anyMatch(h -> h.where().test(node));
    }

    boolean watchesBackward(Node node) {
        return backwardHooks.stream().anyMatch(h -> h.where().test(node));
    }

    /** The rule on {@code node}, or null; two different rules on one node are an error. */
    RectifierRule ruleAt(Node node) {
        RectifierRule found = null;
        for (Hook<RectifierRule> r : rules) {
            if (r.where().test(node)) {
                if (found != null && found != r.hook()) {
                    throw new IllegalArgumentException("node '" + node.name() + "' has two rectifier rules: " + found + " and " + r.hook());
                }
                found = r.hook();
            }
        }
        return found;
    }

    private static <T> List<T> append(List<T> list, T item) {
        List<T> l = new ArrayList<>(list);
        l.add(item);
        return l;
    }
}
