package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.nats.NatsServerProcess;
import io.changeflux.redis.RedisServerProcess;
import io.changeflux.samples.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The CLI (run in-process) never prints a password or token, on success or on failure. */
@Tag("reliability")
class CliSecretsTest {

  @org.junit.jupiter.api.BeforeAll
  static void capture() {
    io.changeflux.testkit.LogCapture.install();
  }

  record Run(int status, String out, String err) {}

  static synchronized Run cli(String... args) {
    PrintStream out0 = System.out;
    PrintStream err0 = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = Main.run(args);
    } finally {
      System.setOut(out0);
      System.setErr(err0);
    }
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static void assertClean(Run r, String... secrets) {
    for (String s : secrets) {
      assertThat(r.out()).doesNotContain(s);
      assertThat(r.err()).doesNotContain(s);
    }
  }

  @Test
  void redisPasswordsNeverPrinted() throws Exception {
    String good = "cli-redis-pw-5521";
    String wrong = "cli-redis-WRONG-0073";
    try (RedisServerProcess server = RedisServerProcess.start("user alice on >" + good + " ~* &* +@all")) {
      String base = "@127.0.0.1:" + server.port() + "?channels=a";
      Run bad = cli("watch", "redis://alice:" + wrong + base, "--count", "1");
      Run badOption = cli("watch", "redis://127.0.0.1:" + server.port() + "?channels=a&user=alice&password=" + wrong, "--count", "1");
      Run ok = cli("publish", "redis://alice:" + good + base, "k");
      Run debug = cli("publish", "--debug", "redis://alice:" + good + base, "k");
      Run badDebug = cli("watch", "--debug", "redis://alice:" + wrong + base, "--count", "1");
      Rel.report("security-cli-redis", "wrong password: exit %d, \"%s\"; right password: publish exit %d;"
          + " no secret in any output or log line (--debug included)",
          bad.status(), bad.err().strip().lines().reduce((a, b) -> b).orElse(""), ok.status());
      Secrets.assertNotLogged(good, wrong);
      assertThat(bad.status()).isNotZero();
      assertThat(bad.err()).contains("***");
      assertThat(ok.status()).isZero();
      for (Run r : new Run[] {bad, badOption, ok, debug, badDebug}) {
        assertClean(r, good, wrong);
      }
    }
  }

  @Test
  void natsTokensNeverPrinted() throws Exception {
    String good = "cli-nats-token-8890";
    String wrong = "cli-nats-WRONG-1144";
    try (NatsServerProcess server = NatsServerProcess.start(false, "authorization { token: \"" + good + "\" }")) {
      Run bad = cli("watch", "nats://" + wrong + "@" + server.hostPort() + "?subjects=a", "--count", "1");
      Run badOption = cli("watch", "nats://" + server.hostPort() + "?subjects=a&token=" + wrong, "--count", "1");
      Run ok = cli("publish", "nats://" + good + "@" + server.hostPort() + "?subjects=a", "k");
      Run badDebug = cli("watch", "--debug", "nats://" + wrong + "@" + server.hostPort() + "?subjects=a", "--count", "1");
      Rel.report("security-cli-nats", "wrong token: exit %d, \"%s\"; right token: publish exit %d; no secret in"
          + " any output (--debug included)",
          bad.status(), bad.err().strip().lines().reduce((a, b) -> b).orElse(""), ok.status());
      Secrets.assertNotLogged(good, wrong);
      assertThat(bad.status()).isNotZero();
      assertThat(ok.status()).isZero();
      for (Run r : new Run[] {bad, badOption, ok, badDebug}) {
        assertClean(r, good, wrong);
      }
    }
  }
}
