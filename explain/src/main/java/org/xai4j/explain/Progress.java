package org.xai4j.explain;

/**
 * Where a long explanation reports its work as it goes: {@code advance(n)} after each batch, with
 * {@code n} the rows it just sent through the network (a forward and, for gradient methods, a
 * backward pass each). A display, never a result: it must be cheap and must not throw. The
 * explainer keeps no count of its own, so one instance may serve calls on several threads, each
 * adding to the same total.
 */
@FunctionalInterface
public interface Progress {
    Progress NONE = rows -> {};

    void advance(long rows);
}
