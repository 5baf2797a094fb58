package io.changeflux.internal;

import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks a source's options against the specs its scheme accepts: unknown keys (with the nearest
 * known key), keys given twice, bad values and missing required options. Messages show the
 * redacted URI only.
 */
public final class OptionValidation {

  private OptionValidation() {}

  /**
   * Checks {@code options} (which already knows its secret keys) against {@code specs}.
   *
   * @param repeated the keys given more than once
   * @throws ChangeSourceException on the first problem, naming the key
   */
  public static void check(
      SourceOptions options, Set<String> repeated, Collection<? extends OptionSpec<?>> specs) {
    Map<String, OptionSpec<?>> byName = new LinkedHashMap<>();
    for (OptionSpec<?> s : specs) {
      byName.put(s.name(), s);
    }
    for (String key : options.values().keySet()) {
      OptionSpec<?> spec = byName.get(key);
      if (spec == null) {
        String near = nearest(key, byName.keySet());
        throw new ChangeSourceException(
            options.redacted()
                + ": unknown option '"
                + key
                + "'"
                + (near == null ? "" : " (did you mean '" + near + "'?)")
                + "; "
                + options.scheme()
                + ": accepts "
                + String.join(", ", byName.keySet()),
            key,
            null);
      }
      if (repeated.contains(key) && !spec.isList()) {
        throw new ChangeSourceException(
            options.redacted() + ": option '" + key + "' is given more than once", key, null);
      }
    }
    for (OptionSpec<?> s : specs) {
      options.get(s);
    }
  }

  /** The known key nearest to {@code key} (edit distance), or null when none is near. */
  public static @Nullable String nearest(String key, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String k = key.toLowerCase(Locale.ROOT);
    for (String candidate : known) {
      String c = candidate.toLowerCase(Locale.ROOT);
      int d = c.equals(k) ? 0 : (c.startsWith(k) || k.startsWith(c)) ? 1 : levenshtein(k, c);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
  }

  private static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
