package io.changeflux.samples.run;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a command run on changes learns the changed keys from its environment. {@code CHANGEFLUX_KEYS}
 * holds them one per line only while they fit in {@link #MAX_KEYS_BYTES}: past that it holds as
 * many whole keys as fit and {@code CHANGEFLUX_KEYS_TRUNCATED=1} is set — the complete list is
 * always in the file named by {@code CHANGEFLUX_EVENTS_FILE} (one JSON event per line), which the
 * caller writes. (Linux refuses to start a program whose single environment string exceeds 128 KiB
 * or whose arguments and environment exceed about 2 MiB: "Argument list too long".)
 */
public final class Handoff {

  /** The most bytes (UTF-8) {@code CHANGEFLUX_KEYS} holds: 32 KiB. */
  public static final int MAX_KEYS_BYTES = 32 * 1024;

  /** The variable with the changed keys, one per line. */
  public static final String KEYS = "CHANGEFLUX_KEYS";

  /** Set to 1 when {@link #KEYS} holds only some of the keys. */
  public static final String KEYS_TRUNCATED = "CHANGEFLUX_KEYS_TRUNCATED";

  /** The file with every event of the run, one JSON object per line (as {@code watch --json}). */
  public static final String EVENTS_FILE = "CHANGEFLUX_EVENTS_FILE";

  /** How many changed keys the run has (all of them, also when {@link #KEYS} is cut). */
  public static final String KEY_COUNT = "CHANGEFLUX_KEY_COUNT";

  private Handoff() {}

  /** {@code CHANGEFLUX_KEYS}, {@code CHANGEFLUX_KEY_COUNT} and, when cut, {@code CHANGEFLUX_KEYS_TRUNCATED}. */
  public static Map<String, String> keysEnvironment(List<String> keys) {
    Map<String, String> env = new LinkedHashMap<>();
    StringBuilder sb = new StringBuilder();
    int bytes = 0;
    boolean cut = false;
    for (String k : keys) {
      int size = k.getBytes(StandardCharsets.UTF_8).length + (sb.length() == 0 ? 0 : 1);
      if (bytes + size > MAX_KEYS_BYTES) {
        cut = true;
        break;
      }
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(k);
      bytes += size;
    }
    env.put(KEYS, sb.toString());
    env.put(KEY_COUNT, Integer.toString(keys.size()));
    if (cut) {
      env.put(KEYS_TRUNCATED, "1");
    }
    return env;
  }

  /** Puts {@code vars} into a process environment, removing the hand-off variables it does not set. */
  public static void apply(Map<String, String> environment, Map<String, String> vars) {
    for (String k : List.of(KEYS, KEYS_TRUNCATED, EVENTS_FILE, KEY_COUNT, "CHANGEFLUX_OVERFLOW")) {
      environment.remove(k);
    }
    environment.putAll(vars);
  }
}
