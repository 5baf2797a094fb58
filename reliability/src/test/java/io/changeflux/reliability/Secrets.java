package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.testkit.LogCapture;

/** Scans exceptions (message, causes, suppressed) and captured logs for secrets. */
final class Secrets {

  private Secrets() {}

  static void assertNowhere(Throwable t, String... secrets) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      for (String s : secrets) {
        assertThat(String.valueOf(c.getMessage())).as("message of %s", c.getClass().getName()).doesNotContain(s);
        assertThat(c.toString()).doesNotContain(s);
      }
      for (Throwable sup : c.getSuppressed()) {
        assertNowhere(sup, secrets);
      }
    }
  }

  /** Everything slf4j-simple wrote to System.err since LogCapture.install(). */
  static void assertNotLogged(String... secrets) {
    String logs = LogCapture.text();
    for (String s : secrets) {
      assertThat(logs).as("captured logs (%d chars)", logs.length()).doesNotContain(s);
    }
  }
}
