package io.changeflux.nats.internal;

import java.util.function.UnaryOperator;

/** Copies of client-library exceptions with secrets removed from their messages. */
public final class Failures {

  private Failures() {}

  /**
   * A stand-in for {@code cause} (and its causes) whose message is redacted and names the original
   * class; the stack traces are kept. Null stays null.
   */
  public static Throwable sanitized(Throwable cause, UnaryOperator<String> redact) {
    if (cause == null) {
      return null;
    }
    Redacted top = null;
    Redacted last = null;
    Throwable t = cause;
    int depth = 0;
    while (t != null && depth++ < 8) {
      String m = t.getMessage();
      Redacted r =
          new Redacted(t.getClass().getName() + (m == null ? "" : ": " + redact.apply(m)));
      r.setStackTrace(t.getStackTrace());
      if (top == null) {
        top = r;
      } else {
        last.initCause(r);
      }
      last = r;
      t = t.getCause() == t ? null : t.getCause();
    }
    return top;
  }

  /** A client-library failure, redacted. */
  static final class Redacted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Redacted(String message) {
      super(message);
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }
}
