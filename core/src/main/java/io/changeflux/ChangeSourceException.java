package io.changeflux;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A source could not be configured or started: an unknown scheme or option, a bad value, a missing
 * path, a refused connection, failed authentication.
 *
 * <p>Messages are one line, name the culprit (the option key and value, or the redacted URI) and
 * never contain a password, token or credential.
 */
public class ChangeSourceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The option key at fault, or null when the failure is not about one option. */
  private final @Nullable String option;

  /**
   * An exception with a one-line message.
   *
   * @param message what failed, naming the culprit without secrets; made one line (control
   *     characters escaped, long text shortened)
   */
  public ChangeSourceException(String message) {
    this(message, null, null);
  }

  /**
   * An exception with a one-line message and the underlying cause.
   *
   * @param message what failed, naming the culprit without secrets; made one line
   * @param cause the underlying failure, or null; attach a {@link SourceOptions#sanitize sanitized}
   *     copy when its message may hold a secret
   */
  public ChangeSourceException(String message, @Nullable Throwable cause) {
    this(message, null, cause);
  }

  /**
   * An exception about one option key.
   *
   * @param message what failed, naming the culprit without secrets; made one line
   * @param option the option key at fault, or null
   * @param cause the underlying failure, or null
   */
  public ChangeSourceException(String message, @Nullable String option, @Nullable Throwable cause) {
    super(oneLine(message), cause);
    this.option = option;
  }

  /** Control characters (a newline in a user's URI) escaped, and very long input shortened, so the message stays one line. */
  private static @Nullable String oneLine(@Nullable String message) {
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

  /**
   * The option key at fault, where one option is.
   *
   * @return the key, or empty when the failure is not about one option
   */
  public Optional<String> option() {
    return Optional.ofNullable(option);
  }
}
