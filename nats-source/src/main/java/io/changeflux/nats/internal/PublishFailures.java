package io.changeflux.nats.internal;

import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Sorts the failures of a JetStream publish into permanent ones (retrying cannot succeed: the
 * payload is over the server's {@code max_payload}, the user may not publish to the subject, no
 * stream or another stream is bound to it, the stream rejects the message) and transient ones
 * (I/O, timeout, no responders while JetStream is not ready, a connection being re-established),
 * each with a short kind for logging once per kind.
 */
public final class PublishFailures {

  /** JetStream API error codes that retrying cannot fix (nats-server {@code server/errors.json}). */
  private static final int STREAM_NOT_FOUND = 10059;

  private static final int STREAM_MISMATCH = 10060;
  private static final int MESSAGE_TOO_LARGE = 10054;
  private static final int JETSTREAM_NOT_ENABLED = 10076;
  private static final int JETSTREAM_NOT_ENABLED_FOR_ACCOUNT = 10039;

  private PublishFailures() {}

  /** What one failure means. */
  public static final class Verdict {
    /** True when retrying cannot succeed. */
    public final boolean permanent;
    /** A few words naming the kind ({@code "timeout"}, {@code "payload too large"}). */
    public final String kind;
    /** The failure itself, unwrapped from completion wrappers. */
    public final Throwable cause;

    Verdict(boolean permanent, String kind, Throwable cause) {
      this.permanent = permanent;
      this.kind = kind;
      this.cause = cause;
    }

    @Override
    public String toString() {
      return (permanent ? "permanent: " : "transient: ") + kind;
    }
  }

  /**
   * Classifies {@code failure}.
   *
   * @param permissionViolation the last "Permissions Violation" the server reported for the
   *     subject on this connection, or null
   * @param streamBound asked only after "no responders": whether any stream is bound to the subject
   *     (true, false, or null when that cannot be told now); may block
   */
  public static Verdict classify(
      Throwable failure,
      String subject,
      @Nullable String permissionViolation,
      Supplier<@Nullable Boolean> streamBound) {
    Throwable t = unwrap(failure);
    String msg = String.valueOf(t.getMessage());
    if (t instanceof JetStreamApiException) {
      JetStreamApiException api = (JetStreamApiException) t;
      int code = api.getErrorCode();
      int apiCode = api.getApiErrorCode();
      if (apiCode == STREAM_MISMATCH) {
        return new Verdict(true, "subject '" + subject + "' is bound to another stream", t);
      }
      if (apiCode == STREAM_NOT_FOUND) {
        return new Verdict(true, "no such stream", t);
      }
      if (apiCode == MESSAGE_TOO_LARGE) {
        return new Verdict(true, "message larger than the stream allows", t);
      }
      if (apiCode == JETSTREAM_NOT_ENABLED || apiCode == JETSTREAM_NOT_ENABLED_FOR_ACCOUNT) {
        return new Verdict(true, "JetStream not enabled", t);
      }
      if (code >= 500) {
        return new Verdict(false, "JetStream unavailable (" + code + ")", t);
      }
      return new Verdict(true, "rejected by JetStream (" + code + "/" + apiCode + ")", t);
    }
    if (t instanceof IllegalArgumentException) {
      // jnats checks the size against the server's max_payload before sending
      return new Verdict(true, msg.toLowerCase(java.util.Locale.ROOT).contains("payload") ? "payload over the server's max_payload" : "message rejected by the client", t);
    }
    if (t instanceof IOException && msg.contains("Expected ack from stream")) {
      return new Verdict(true, "subject '" + subject + "' is bound to another stream", t);
    }
    if (t instanceof IOException && (msg.contains("503") || msg.toLowerCase(java.util.Locale.ROOT).contains("no responders"))) {
      if (permissionViolation != null) {
        return new Verdict(true, "permission denied", t);
      }
      if (Boolean.FALSE.equals(streamBound.get())) {
        return new Verdict(true, "no stream is bound to subject '" + subject + "'", t);
      }
      return new Verdict(false, "no responders", t);
    }
    if (t instanceof CancellationException || t instanceof TimeoutException) {
      if (permissionViolation != null) {
        return new Verdict(true, "permission denied", t);
      }
      return new Verdict(false, "timeout", t);
    }
    if (t instanceof IOException) {
      return new Verdict(false, "I/O", t);
    }
    if (t instanceof IllegalStateException) {
      // not connected right now, or the reconnect buffer is full; a closed connection ends earlier
      return new Verdict(false, "connection", t);
    }
    return new Verdict(true, "publish failed", t);
  }

  /** True for a server error that denies this connection publishing to {@code subject}. */
  public static boolean deniesPublishing(String serverError, String subject) {
    return serverError != null
        && serverError.contains("Permissions Violation")
        && (serverError.contains("\"" + subject + "\"") || serverError.contains(" " + subject));
  }

  private static Throwable unwrap(Throwable t) {
    Throwable x = t;
    // jnats wraps the checked exceptions of an async publish in a plain RuntimeException
    while ((x instanceof CompletionException
            || x instanceof ExecutionException
            || x.getClass() == RuntimeException.class)
        && x.getCause() != null
        && x.getCause() != x) {
      x = x.getCause();
    }
    return x;
  }
}
