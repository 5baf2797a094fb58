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
    super(message, cause);
    this.option = option;
  }

  /** The option key at fault, where one option is. */
  public Optional<String> option() {
    return Optional.ofNullable(option);
  }
}
