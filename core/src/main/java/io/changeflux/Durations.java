package io.changeflux;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the durations of options: {@code 250ms}, {@code 5s}, {@code 2m}, {@code PT5S}. */
public final class Durations {

  /** What {@link #parse(String)} accepts, for error messages. */
  public static final String ACCEPTED =
      "a duration such as 250ms, 5s, 2m, 1h (units ns, us, ms, s, m, h, d) or ISO-8601 like PT5S";

  private static final Pattern SIMPLE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|min|h|d)");

  private Durations() {}

  /**
   * Parses a non-negative duration.
   *
   * @throws IllegalArgumentException naming the text and what is accepted
   * @param text the text, such as {@code 250ms}, {@code 5s}, {@code 2m} or {@code PT5S} (see {@link
   *     #ACCEPTED}); surrounding blanks are ignored
   * @return the duration; {@code 0} gives {@link Duration#ZERO}
   */
  public static Duration parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = SIMPLE.matcher(t.toLowerCase(Locale.ROOT));
    Duration d;
    if (m.matches()) {
      double n = Double.parseDouble(m.group(1));
      double nanosPer;
      switch (m.group(2)) {
        case "ns":
          nanosPer = 1;
          break;
        case "us":
        case "µs":
          nanosPer = 1e3;
          break;
        case "ms":
          nanosPer = 1e6;
          break;
        case "s":
          nanosPer = 1e9;
          break;
        case "m":
        case "min":
          nanosPer = 60e9;
          break;
        case "h":
          nanosPer = 3600e9;
          break;
        default:
          nanosPer = 86400e9;
      }
      double nanos = n * nanosPer;
      if (nanos > Long.MAX_VALUE) {
        throw new IllegalArgumentException("'" + text + "' is too long; accepted: " + ACCEPTED);
      }
      d = Duration.ofNanos(Math.round(nanos));
    } else if (t.toUpperCase(Locale.ROOT).startsWith("PT")
        || t.toUpperCase(Locale.ROOT).startsWith("P")) {
      try {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + text + "' is not " + ACCEPTED);
      }
    } else {
      throw new IllegalArgumentException("'" + text + "' is not " + ACCEPTED);
    }
    if (d.isNegative()) {
      throw new IllegalArgumentException("'" + text + "' is negative; accepted: " + ACCEPTED);
    }
    return d;
  }

  /**
   * Prints a duration the way {@link #parse(String)} reads it back: {@code 250ms}, {@code 5s}.
   *
   * @param d a non-negative duration
   * @return the value in the largest unit (h, m, s, ms, us, ns) that holds it exactly; {@code 0}
   *     for zero
   */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException e) {
      return d.toString();
    }
    if (nanos % 3_600_000_000_000L == 0) {
      return nanos / 3_600_000_000_000L + "h";
    }
    if (nanos % 60_000_000_000L == 0) {
      return nanos / 60_000_000_000L + "m";
    }
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + "ms";
    }
    if (nanos % 1_000L == 0) {
      return nanos / 1_000L + "us";
    }
    return nanos + "ns";
  }
}
