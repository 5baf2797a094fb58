package io.changeflux.redis.internal;

import io.changeflux.SourceOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes secrets from text and exceptions that come from Lettuce or Netty, which may quote a URI:
 * user-info passwords and secret-named query values (via {@link SourceOptions#redact}) and, in
 * case a library prints them some other way, the literal secret values of this source.
 */
public final class Redactor {

  /** A leading {@code some.pkg.SomeException: } that wrapping exceptions put before a message. */
  private static final java.util.regex.Pattern CLASS_PREFIX =
      java.util.regex.Pattern.compile("^([a-z_][\\w]*\\.)+[A-Z][\\w$]*(Exception|Error): ");

  private final List<String> secrets;

  Redactor(List<String> secrets) {
    this.secrets = List.copyOf(secrets);
  }

  /** The text without secrets. */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String r = SourceOptions.redact(text);
    for (String s : secrets) {
      if (!s.isEmpty()) {
        r = r.replace(s, "***");
      }
    }
    return r;
  }

  /** One line naming the failure and its causes, without secrets. */
  public String describe(Throwable t) {
    Set<String> parts = new LinkedHashSet<>();
    Throwable c = t;
    int depth = 0;
    while (c != null && depth++ < 8) {
      String m = c.getMessage();
      if (m != null && !m.isBlank() && !m.startsWith("Unable to connect to")) {
        String line = redact(CLASS_PREFIX.matcher(m.replace('\n', ' ').replace('\r', ' ').trim()).replaceFirst(""));
        if (parts.stream().noneMatch(p -> p.contains(line))) {
          parts.add(line);
        }
      } else if (c.getCause() == null) {
        parts.add(c.getClass().getSimpleName());
      }
      c = c.getCause();
    }
    return parts.isEmpty() ? t.getClass().getSimpleName() : String.join(": ", new ArrayList<>(parts));
  }

  /**
   * A copy of the exception chain with redacted messages (same stack traces, class names kept in
   * the message), safe to attach as a cause.
   */
  public Throwable sanitize(Throwable t) {
    if (t == null) {
      return null;
    }
    Throwable cause = t.getCause() == t ? null : sanitize(t.getCause());
    RedactedException r =
        new RedactedException(t.getClass().getName() + ": " + redact(String.valueOf(t.getMessage())), cause);
    r.setStackTrace(t.getStackTrace());
    return r;
  }

  /** An exception of the client library with its secrets removed. */
  static final class RedactedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RedactedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
