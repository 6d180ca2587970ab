package org.xai4j.engine;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Close-match suggestions for names a user mistyped. */
public final class Names {
    private Names() {}

    /** " (did you mean: a, b, c?)" for the closest names, or "" when nothing is close. */
    public static String suggestion(String wanted, Collection<String> known) {
        List<String> close = closest(wanted, known, 5);
        return close.isEmpty() ? "" : " (did you mean: " + String.join(", ", close) + "?)";
    }

    /** Up to {@code limit} names, substring matches first, then by edit distance. */
    public static List<String> closest(String wanted, Collection<String> known, int limit) {
        String w = wanted.toLowerCase(Locale.ROOT);
        return known.stream()
                .filter(k -> {
                    String l = k.toLowerCase(Locale.ROOT);
                    return l.contains(w) || w.contains(l) || distance(w, l) <= Math.max(2, w.length() / 3);
                })
                .sorted(Comparator.comparingInt((String k) -> k.toLowerCase(Locale.ROOT).contains(w) ? 0 : 1)
                        .thenComparingInt(k -> distance(w, k.toLowerCase(Locale.ROOT)))
                        .thenComparing(Comparator.naturalOrder()))
                .limit(limit)
                .toList();
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
