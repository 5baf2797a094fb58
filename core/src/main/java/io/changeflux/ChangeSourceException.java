package io.changeflux;

import java.util.Optional;

/**
 * A source could not be configured or started: an unknown scheme or option, a bad value, a missing
 * path, a refused connection, failed authentication.
 *
 * <p>Messages are one line, name the culprit (the option key and value, or the redacted URI) and
 * never contain a password, token or credential.
 */
public class ChangeSourceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String option;

  /** An exception with a one-line message. */
  public ChangeSourceException(String message) {
    this(message, null, null);
  }

  /** An exception with a one-line message and the underlying cause. */
  public ChangeSourceException(String message, Throwable cause) {
    this(message, null, cause);
  }

  /** An exception about one option key. */
  public ChangeSourceException(String message, String option, Throwable cause) {
    super(oneLine(message), cause);
    this.option = option;
  }

  /** Control characters (a newline in a user's URI) escaped, and very long input shortened, so the message stays one line. */
  private static String oneLine(String message) {
    if (message == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder(Math.min(message.length(), 1100));
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
      if (sb.length() > 1000) {
        sb.append("…");
        break;
      }
    }
    return sb.toString();
  }

  /** The option key at fault, where one option is. */
  public Optional<String> option() {
    return Optional.ofNullable(option);
  }
}
