package org.xai4j.importers;

/**
 * A model file that cannot be turned into a graph: unreadable, truncated, not the format it
 * claims, or using an operator or setting that is not supported. The message is one line naming
 * the file, the node or layer, the operator and what is accepted, so a command-line user can act
 * on it without a stack trace.
 */
public class ModelFormatException extends RuntimeException {

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
