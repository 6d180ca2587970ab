package org.xai4j.onednn;

import java.util.Locale;

/** The plans' on/off switches: system properties read when a plan compiles, on unless set to false. */
final class Switches {
    private Switches() {}

    /** Whether {@code -D<property>} is on: true unless set to false; any other value is a one-line error. */
    static boolean on(String property) {
        String v = System.getProperty(property, "true").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-D" + property + " must be true or false, got '" + v + "'");
        };
    }
}
