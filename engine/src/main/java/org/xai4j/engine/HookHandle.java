package org.xai4j.engine;

/** Removes a registered hook; closing twice is harmless. Use with try-with-resources. */
public interface HookHandle extends AutoCloseable {
    @Override
    void close();
}
