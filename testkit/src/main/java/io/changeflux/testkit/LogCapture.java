package io.changeflux.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Tees System.err (where slf4j-simple writes every log line, a client library's included) into memory, so
 * tests can assert that no secret was ever logged. Installed once per JVM.
 */
public final class LogCapture {

  private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();
  private static boolean installed;

  private LogCapture() {}

  /** Starts capturing (idempotent). */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    PrintStream original = System.err;
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            original.write(b);
            synchronized (CAPTURED) {
              CAPTURED.write(b);
            }
          }

          @Override
          public void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            synchronized (CAPTURED) {
              CAPTURED.write(b, off, len);
            }
          }

          @Override
          public void flush() {
            original.flush();
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    installed = true;
  }

  /**
   * Everything logged since {@link #install()}.
   *
   * @return the captured text
   */
  public static String text() {
    synchronized (CAPTURED) {
      return CAPTURED.toString(StandardCharsets.UTF_8);
    }
  }
}
