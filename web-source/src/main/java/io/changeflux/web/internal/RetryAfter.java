package io.changeflux.web.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/** Reads {@code Retry-After} (seconds or an HTTP date) and {@code X-Poll-Interval} (seconds). */
public final class RetryAfter {

  /** Longest wait a server can ask for: a day. */
  static final Duration CAP = Duration.ofDays(1);

  private RetryAfter() {}

  /** The wait a header value asks for, or null when absent or unreadable. */
  public static @Nullable Duration parse(@Nullable String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      long s = Long.parseLong(v);
      return s < 0 ? null : cap(Duration.ofSeconds(s));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(now, at);
        return d.isNegative() ? Duration.ZERO : cap(d);
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }

  private static Duration cap(Duration d) {
    return d.compareTo(CAP) > 0 ? CAP : d;
  }
}
